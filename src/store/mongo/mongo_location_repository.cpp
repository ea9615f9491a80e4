// Locations on MongoDB: the `locations` collection (its scrape-state fields are written by the
// lock and showtime repositories).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

Location read_location(const bson_t* d) {
  Location l;
  l.id = str_at(d, "city_id");
  l.name = {str_at(d, "name.en"), str_at(d, "name.ua"), str_at(d, "name.ru")};
  l.country = {str_at(d, "country.en"), str_at(d, "country.ua"), str_at(d, "country.ru")};
  l.country_code = str_at(d, "country_code");
  l.geo.lon = dbl_at(d, "geo.coordinates.0");
  l.geo.lat = dbl_at(d, "geo.coordinates.1");
  l.tz = str_at(d, "tz");
  l.population = int_at(d, "population");
  return l;
}

class MongoLocationRepository final : public LocationRepository {
 public:
  explicit MongoLocationRepository(ClientPool& pool) : pool_(pool) {}

  std::size_t seed_locations(const std::vector<Location>& locations) override {
    return pool_.with([&](Conn& c) {
      std::size_t inserted = 0;
      for (const auto& l : locations) {
        Doc filter;
        filter.str("city_id", l.id);
        Doc coords;
        coords.push_dbl(l.geo.lon).push_dbl(l.geo.lat);  // GeoJSON order: [lon, lat]
        Doc geo;
        geo.str("type", "Point").array("coordinates", coords);
        Doc set;
        set.doc("name", Doc().str("en", l.name.en).str("ua", l.name.ua).str("ru", l.name.ru))
            .doc("country",
                 Doc().str("en", l.country.en).str("ua", l.country.ua).str("ru", l.country.ru))
            .str("country_code", l.country_code)
            .doc("geo", geo)
            .str("tz", l.tz)
            .i64("population", l.population);
        Doc on_insert;
        on_insert.str("status", "stale")
            .null("last_updated")
            .str("lock_owner", "")
            .null("lock_expires")
            .str("lock_source", "")
            .str("error", "")
            .str("progress", "")
            .i64("data_version", 0);
        Doc update;
        update.doc("$set", set).doc("$setOnInsert", on_insert);
        try {
          if (update_one(c, "locations", filter, update, true).upserted) ++inserted;
        } catch (const DuplicateKey&) {
          // Another process inserted it first: update the names again, now without insertion.
          update_one(c, "locations", filter, update, true);
        }
      }
      return inserted;
    });
  }

  std::vector<Location> locations() override {
    return pool_.with([&](Conn& c) {
      std::vector<Location> out;
      Doc sort;
      sort.i32("_id", 1);  // insertion order
      find(c, "locations", Doc(), sort, [&](const bson_t* d) { out.push_back(read_location(d)); });
      return out;
    });
  }

  std::vector<LocationState> location_states() override {
    return pool_.with([&](Conn& c) {
      std::vector<LocationState> out;
      Doc sort;
      sort.i32("_id", 1);
      find(c, "locations", Doc(), sort, [&](const bson_t* d) { out.push_back(read_state(d)); });
      return out;
    });
  }

  std::optional<LocationState> location_state(std::string_view city_id) override {
    return pool_.with([&](Conn& c) { return state_of(c, city_id); });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<LocationRepository> make_location_repository(ClientPool& pool) {
  return std::make_unique<MongoLocationRepository>(pool);
}

}  // namespace cinestream::mongo
