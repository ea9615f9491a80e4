#pragma once
// Implicit interactions are noted by the routes on io threads (app/activity.hpp) and kept in
// memory until the next flush writes them in one batch on the db pool, like the visitor counter:
// a read never waits on a write. The buffer is bounded; when the database is away long enough to
// fill it, further notes are dropped and counted rather than growing memory.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "cinestream/app/activity.hpp"
#include "cinestream/library/interaction_repository.hpp"
#include "cinestream/store/async_store.hpp"

namespace cinestream::library {

struct InteractionRecorderOptions {
  std::size_t max_pending = 20'000;
  std::size_t batch = 500;                           // written per store call
  std::chrono::hours retention{24 * 180};            // older ones are pruned
  std::chrono::milliseconds prune_every{3'600'000};  // at most this often
};

class InteractionRecorder final : public ActivitySink {
 public:
  explicit InteractionRecorder(InteractionRecorderOptions options = {}) : options_(options) {}

  void note(const ActivityNote& n) noexcept override;

  // Writes what is pending in batches; what fails goes back for the next flush (if it fits).
  // Prunes expired ones when prune_every has passed.
  boost::asio::awaitable<void> flush(Async<InteractionRepository> store);
  // For shutdown, after the loops stopped (not on an io thread).
  void flush_blocking(InteractionRepository& store);
  boost::asio::awaitable<void> run(Async<InteractionRepository> store,
                                   std::chrono::milliseconds interval);

  std::size_t pending() const;
  std::int64_t written() const { return written_.load(std::memory_order_relaxed); }
  std::int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::string render_metrics() const;

 private:
  std::vector<Interaction> take();
  void put_back(std::vector<Interaction> batch);

  InteractionRecorderOptions options_;
  mutable std::mutex mutex_;
  std::vector<Interaction> pending_;
  std::chrono::steady_clock::time_point last_prune_{};
  std::atomic<std::int64_t> written_{0}, dropped_{0}, pruned_{0}, failures_{0};
};

}  // namespace cinestream::library
