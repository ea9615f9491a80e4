#pragma once
// Polls `fn` until it returns true or the deadline passes: for changes another process or loop
// makes in its own time (the refresh interval, a scrape). Never a fixed sleep.
#include <chrono>
#include <thread>

namespace cinestream::testing {

template <class F>
bool eventually(F fn, std::chrono::milliseconds deadline = std::chrono::seconds(5),
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (fn()) return true;
    std::this_thread::sleep_for(poll);
  }
  return fn();
}

}  // namespace cinestream::testing
