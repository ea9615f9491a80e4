#include "cinestream/runtime/event_loops.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cinestream/runtime/thread_name.hpp"

namespace cinestream {
namespace {
thread_local std::size_t t_loop_index = 0;
}

EventLoops::EventLoops(unsigned count) {
  if (count == 0) count = 1;
  for (unsigned i = 0; i < count; ++i) {
    // Concurrency hint 1: each context is run by exactly one thread.
    loops_.push_back(std::make_unique<Context>(1));
  }
}

EventLoops::~EventLoops() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void EventLoops::run() {
  auto run_loop = [this](std::size_t i) {
    t_loop_index = i;
    // Loop 0 runs on the main thread, whose name is the process's (ps, pidof, systemd).
    if (i > 0) name_this_thread(fmt::format("loop-{}", i));
    for (;;) {
      try {
        loops_[i]->run();
        return;
      } catch (const std::exception& e) {
        // A handler that escaped its coroutine: log and keep the loop serving.
        spdlog::error("event loop {}: unhandled exception: {}", i, e.what());
      }
    }
  };
  for (std::size_t i = 1; i < loops_.size(); ++i)
    threads_.emplace_back(run_loop, i);
  run_loop(0);
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

void EventLoops::stop() {
  for (auto& l : loops_)
    l->stop();
}

void EventLoops::shutdown() {
  stop();
  for (auto& l : loops_)
    l->shutdown();
}

std::size_t EventLoops::current() {
  return t_loop_index;
}

}  // namespace cinestream
