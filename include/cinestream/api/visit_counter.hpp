#pragma once
// The visitor counter: visits are counted in memory and written to the store in batches, so a
// page view never waits on a database write.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "cinestream/store/async_store.hpp"
#include "cinestream/store/visit_repository.hpp"

namespace cinestream {

class VisitCounter {
 public:
  void record() { pending_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t pending() const { return pending_.load(std::memory_order_relaxed); }

  // Writes what is pending; on failure puts it back for the next flush.
  boost::asio::awaitable<void> flush(Async<VisitRepository> store);
  // For shutdown, after the loops stopped (not on an io thread).
  void flush_blocking(VisitRepository& store);
  // Flushes every `interval` until the loop stops.
  boost::asio::awaitable<void> run(Async<VisitRepository> store,
                                   std::chrono::milliseconds interval);

 private:
  std::atomic<std::int64_t> pending_{0};
};

}  // namespace cinestream
