#pragma once
// What this process knows of every city's state in the store: its data_version (caches compare
// against it) and its scrape status. A watcher refreshes it from the store every
// refresh interval, so a change made by any process is seen by all within that interval.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/domain/location.hpp"

namespace cinestream {

class CityVersions {
 public:
  explicit CityVersions(const CityCatalog& catalog);

  std::int64_t version(std::size_t city_index) const {
    return versions_[city_index].load(std::memory_order_acquire);
  }
  // The last states read from the store (shared, immutable).
  std::shared_ptr<const std::vector<LocationState>> states() const;
  // Raises one city's version to a newer one read by a request (never lowers it).
  void observe(std::size_t city_index, std::int64_t version) {
    auto& v = versions_[city_index];
    auto current = v.load(std::memory_order_acquire);
    while (current < version &&
           !v.compare_exchange_weak(current, version, std::memory_order_acq_rel)) {
    }
  }
  // Applies fresh states; returns how many cities changed version.
  std::size_t update(std::vector<LocationState> states);

 private:
  const CityCatalog& catalog_;
  std::unique_ptr<std::atomic<std::int64_t>[]> versions_;
  // A mutex, not std::atomic<std::shared_ptr>: libstdc++ 12's load() unlocks with a relaxed
  // store, so a read of the pointer is not ordered before the next store's write (TSan: race).
  mutable std::mutex states_mutex_;
  std::shared_ptr<const std::vector<LocationState>> states_;
};

}  // namespace cinestream
