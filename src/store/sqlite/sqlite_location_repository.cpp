// Locations on SQLite: the `locations` table (its scrape-state columns are written by the lock
// and showtime repositories).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqliteLocationRepository final : public LocationRepository {
 public:
  explicit SqliteLocationRepository(ConnectionPool& pool) : pool_(pool) {}

  std::size_t seed_locations(const std::vector<Location>& locations) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      std::size_t inserted = 0;
      for (const auto& l : locations) {
        auto known = c.prepare("SELECT 1 FROM locations WHERE id = ?1");
        known.bind(1, l.id);
        if (!known.step()) ++inserted;
        auto st = c.prepare(
            "INSERT INTO locations (id, name_en, name_ua, name_ru, country_en, country_ua, "
            "country_ru, country_code, lat, lon, tz, population) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
            "ON CONFLICT (id) DO UPDATE SET name_en = ?2, name_ua = ?3, name_ru = ?4, "
            "country_en = ?5, country_ua = ?6, country_ru = ?7, country_code = ?8, lat = ?9, "
            "lon = ?10, tz = ?11, population = ?12");
        st.bind(1, l.id).bind(2, l.name.en).bind(3, l.name.ua).bind(4, l.name.ru);
        st.bind(5, l.country.en).bind(6, l.country.ua).bind(7, l.country.ru);
        st.bind(8, l.country_code).bind(9, l.geo.lat).bind(10, l.geo.lon).bind(11, l.tz);
        st.bind(12, l.population);
        st.run();
      }
      tx.commit();
      return inserted;
    });
  }

  std::vector<Location> locations() override {
    return pool_.with([](Connection& c) {
      auto st = c.prepare(
          "SELECT id, name_en, name_ua, name_ru, country_en, country_ua, country_ru, "
          "country_code, lat, lon, tz, population FROM locations ORDER BY rowid");
      std::vector<Location> out;
      while (st.step()) {
        Location l;
        l.id = st.text(0);
        l.name = {st.text(1), st.text(2), st.text(3)};
        l.country = {st.text(4), st.text(5), st.text(6)};
        l.country_code = st.text(7);
        l.geo = {st.real(8), st.real(9)};
        l.tz = st.text(10);
        l.population = st.integer(11);
        out.push_back(std::move(l));
      }
      return out;
    });
  }

  std::vector<LocationState> location_states() override {
    return pool_.with([](Connection& c) {
      auto st = c.prepare(
          "SELECT id, status, last_updated, lock_owner, lock_expires, lock_source, error, "
          "data_version, progress FROM locations ORDER BY rowid");
      std::vector<LocationState> out;
      while (st.step())
        out.push_back(read_state(st));
      return out;
    });
  }

  std::optional<LocationState> location_state(std::string_view city_id) override {
    return pool_.with([&](Connection& c) { return state_of(c, city_id); });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<LocationRepository> make_location_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteLocationRepository>(pool);
}

}  // namespace cinestream::sqlite
