#pragma once
// What the SQLite repositories of the showtimes platform share: time columns, the location
// state row, the lock fence and the data_version bump (several aggregates write a city's data).
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "cinestream/store/budget_repository.hpp"
#include "cinestream/store/coverage_repository.hpp"
#include "cinestream/store/film_link_repository.hpp"
#include "cinestream/store/location_repository.hpp"
#include "cinestream/store/name_alias_repository.hpp"
#include "cinestream/store/poster_repository.hpp"
#include "cinestream/store/scrape_lock_repository.hpp"
#include "cinestream/store/showtime_repository.hpp"
#include "cinestream/store/sqlite_db.hpp"
#include "cinestream/store/visit_repository.hpp"

namespace cinestream::sqlite {

inline std::int64_t epoch(SysSeconds t) {
  return t.time_since_epoch().count();
}
inline SysSeconds from_epoch(std::int64_t s) {
  return SysSeconds{std::chrono::seconds{s}};
}

// A row of `SELECT id, status, last_updated, lock_owner, lock_expires, lock_source, error,
// data_version, progress FROM locations`.
inline LocationState read_state(const Statement& st) {
  LocationState s;
  s.city_id = st.text(0);
  s.status = parse_scrape_status(st.text(1)).value_or(ScrapeStatus::stale);
  if (!st.is_null(2)) s.last_updated = from_epoch(st.integer(2));
  s.lock_owner = st.text(3);
  if (!st.is_null(4)) s.lock_expires = from_epoch(st.integer(4));
  s.lock_source = st.text(5);
  s.error = st.text(6);
  s.data_version = st.integer(7);
  s.progress = st.text(8);
  return s;
}

inline std::optional<LocationState> state_of(Connection& c, std::string_view city_id) {
  auto st = c.prepare(
      "SELECT id, status, last_updated, lock_owner, lock_expires, lock_source, error, "
      "data_version, progress FROM locations WHERE id = ?1");
  st.bind(1, city_id);
  if (!st.step()) return std::nullopt;
  return read_state(st);
}

// Cached pages of the city are stale from now on.
inline void bump_version(Connection& c, std::string_view city_id) {
  auto st = c.prepare("UPDATE locations SET data_version = data_version + 1 WHERE id = ?1");
  st.bind(1, city_id);
  st.run();
}

// The fence of a write by a lock holder; call it inside the write's transaction.
inline void require_holder(Connection& c, std::string_view city_id, std::string_view owner) {
  auto st = c.prepare(
      "SELECT 1 FROM locations WHERE id = ?1 AND lock_owner = ?2 AND status = 'processing'");
  st.bind(1, city_id).bind(2, owner);
  if (owner.empty() || !st.step()) {
    throw LockLost(fmt::format("{} no longer holds the lock of {}", owner, city_id));
  }
}

std::unique_ptr<LocationRepository> make_location_repository(ConnectionPool& pool);
std::unique_ptr<ShowtimeRepository> make_showtime_repository(ConnectionPool& pool);
std::unique_ptr<PosterRepository> make_poster_repository(ConnectionPool& pool);
std::unique_ptr<ScrapeLockRepository> make_scrape_lock_repository(ConnectionPool& pool);
std::unique_ptr<CoverageRepository> make_coverage_repository(ConnectionPool& pool);
std::unique_ptr<BudgetRepository> make_budget_repository(ConnectionPool& pool);
std::unique_ptr<VisitRepository> make_visit_repository(ConnectionPool& pool);
std::unique_ptr<NameAliasRepository> make_name_alias_repository(ConnectionPool& pool);
std::unique_ptr<FilmLinkRepository> make_film_link_repository(ConnectionPool& pool);

}  // namespace cinestream::sqlite
