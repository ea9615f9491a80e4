#pragma once
// The cities this process knows, in memory: resolving "Kyiv", "київ" or "kyiv" to one location and
// finding the nearest ones needs no store round trip. Loaded from the store at start-up; the list
// of cities changes only through init-db.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/domain/location.hpp"

namespace cinestream {

struct NearbyCity {
  const Location* location;
  double distance_km;
};

class CityCatalog {
 public:
  // Throws std::invalid_argument when a location names an unknown time zone.
  explicit CityCatalog(std::vector<Location> locations);

  const std::vector<Location>& all() const { return locations_; }
  // By id or by any of its names, case-insensitively; nullptr when unknown.
  const Location* resolve(std::string_view id_or_name) const;
  // Index of a location in all(), for per-city arrays.
  std::size_t index_of(const Location& l) const;
  // The city's zone (validated at construction).
  const date::time_zone* zone(const Location& l) const { return zones_[index_of(l)]; }
  // Nearest first; at most `limit`.
  std::vector<NearbyCity> nearest(GeoPoint from, std::size_t limit) const;

 private:
  std::vector<Location> locations_;
  std::vector<const date::time_zone*> zones_;
  std::unordered_map<std::string, std::size_t> by_key_;
};

// The bundled seed list (src/cities/locations.json, compiled into the binary).
std::vector<Location> bundled_locations();
// Parses a locations JSON array; throws std::invalid_argument naming the bad entry.
std::vector<Location> parse_locations_json(std::string_view json);

}  // namespace cinestream
