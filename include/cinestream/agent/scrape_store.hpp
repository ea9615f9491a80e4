#pragma once
// The storage the scraping feature uses: the repositories it reads and writes, nothing else.
#include "cinestream/store/async_store.hpp"
#include "cinestream/store/budget_repository.hpp"
#include "cinestream/store/coverage_repository.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/location_repository.hpp"
#include "cinestream/store/name_alias_repository.hpp"
#include "cinestream/store/poster_repository.hpp"
#include "cinestream/store/scrape_lock_repository.hpp"
#include "cinestream/store/showtime_repository.hpp"

namespace cinestream::agent {

struct ScrapeStore {
  LocationRepository& locations;
  ShowtimeRepository& showtimes;
  PosterRepository& posters;
  ScrapeLockRepository& scrape_locks;
  CoverageRepository& coverage;
  BudgetRepository& budget;
  NameAliasRepository& name_aliases;
};

inline ScrapeStore scrape_store_of(Database& db) {
  return {db.locations(), db.showtimes(), db.posters(),     db.scrape_locks(),
          db.coverage(),  db.budget(),    db.name_aliases()};
}

}  // namespace cinestream::agent
