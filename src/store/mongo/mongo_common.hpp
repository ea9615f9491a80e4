#pragma once
// What the MongoDB repositories of the showtimes platform share: the location state document,
// the lock fence and the data_version bump (several aggregates write a city's data).
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string_view>

#include "cinestream/store/budget_repository.hpp"
#include "cinestream/store/coverage_repository.hpp"
#include "cinestream/store/location_repository.hpp"
#include "cinestream/store/mongo_db.hpp"
#include "cinestream/store/name_alias_repository.hpp"
#include "cinestream/store/poster_repository.hpp"
#include "cinestream/store/scrape_lock_repository.hpp"
#include "cinestream/store/showtime_repository.hpp"
#include "cinestream/store/visit_repository.hpp"

namespace cinestream::mongo {

inline LocationState read_state(const bson_t* d) {
  LocationState s;
  s.city_id = str_at(d, "city_id");
  s.status = parse_scrape_status(str_at(d, "status")).value_or(ScrapeStatus::stale);
  s.last_updated = date_at(d, "last_updated");
  s.lock_owner = str_at(d, "lock_owner");
  s.lock_expires = date_at(d, "lock_expires");
  s.lock_source = str_at(d, "lock_source");
  s.error = str_at(d, "error");
  s.progress = str_at(d, "progress");
  s.data_version = int_at(d, "data_version");
  return s;
}

inline std::optional<LocationState> state_of(Conn& c, std::string_view city_id) {
  std::optional<LocationState> s;
  find(c, "locations", Doc().str("city_id", city_id), Doc(),
       [&](const bson_t* d) { s = read_state(d); });
  return s;
}

// The city's document while `owner` holds its lock.
inline void held_by(Doc& f, std::string_view city_id, std::string_view owner) {
  f.str("city_id", city_id).str("lock_owner", owner).str("status", "processing");
}

// No multi-document transaction: the fence is one atomic update of the location document,
// matched on {city_id, lock_owner, status: processing}, before each document this merge writes.
// A takeover becomes effective for the merge at its next check (the window is one document).
inline void require_holder(Conn& c, std::string_view city_id, std::string_view owner) {
  Doc filter;
  held_by(filter, city_id, owner);
  Doc update;
  update.doc("$set", Doc().str("lock_owner", owner));
  if (update_one(c, "locations", filter, update, false).matched != 1) {
    throw LockLost(fmt::format("{} no longer holds the lock of {}", owner, city_id));
  }
}

// Cached pages of the city are stale from now on.
inline void bump_version(Conn& c, std::string_view city_id) {
  Doc update;
  update.doc("$inc", Doc().i64("data_version", 1));
  update_one(c, "locations", Doc().str("city_id", city_id), update, false);
}

std::unique_ptr<LocationRepository> make_location_repository(ClientPool& pool);
std::unique_ptr<ShowtimeRepository> make_showtime_repository(ClientPool& pool);
std::unique_ptr<PosterRepository> make_poster_repository(ClientPool& pool);
std::unique_ptr<ScrapeLockRepository> make_scrape_lock_repository(ClientPool& pool);
std::unique_ptr<CoverageRepository> make_coverage_repository(ClientPool& pool);
std::unique_ptr<BudgetRepository> make_budget_repository(ClientPool& pool);
std::unique_ptr<VisitRepository> make_visit_repository(ClientPool& pool);
std::unique_ptr<NameAliasRepository> make_name_alias_repository(ClientPool& pool);
std::unique_ptr<FilmLinkRepository> make_film_link_repository(ClientPool& pool);

}  // namespace cinestream::mongo
