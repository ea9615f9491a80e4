#pragma once
// The cities and their scrape state. Implementations are blocking and thread-safe; request code
// reaches them only through Async (async_store.hpp), which runs them on the db pool.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream {

class LocationRepository {
 public:
  virtual ~LocationRepository() = default;

  // Inserts missing locations and refreshes names/coordinates of known ones; keeps their state.
  // Returns how many were inserted. SQLite: one transaction; MongoDB: one upsert per location.
  virtual std::size_t seed_locations(const std::vector<Location>& locations) = 0;

  virtual std::vector<Location> locations() = 0;
  virtual std::vector<LocationState> location_states() = 0;
  virtual std::optional<LocationState> location_state(std::string_view city_id) = 0;
};

}  // namespace cinestream
