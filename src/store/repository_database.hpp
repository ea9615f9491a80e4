#pragma once
// What the two backends' Database share: the platform's repositories, built with the backend's
// factories (found by argument-dependent lookup in namespace sqlite or mongo) and handed out.
#include <memory>
#include <utility>

#include "cinestream/store/database.hpp"

namespace cinestream {

struct Repositories {
  std::unique_ptr<LocationRepository> locations;
  std::unique_ptr<ShowtimeRepository> showtimes;
  std::unique_ptr<PosterRepository> posters;
  std::unique_ptr<ScrapeLockRepository> scrape_locks;
  std::unique_ptr<CoverageRepository> coverage;
  std::unique_ptr<BudgetRepository> budget;
  std::unique_ptr<VisitRepository> visits;
  std::unique_ptr<NameAliasRepository> name_aliases;
  std::unique_ptr<FilmLinkRepository> film_links;
};

template <class Pool>
Repositories make_repositories(Pool& pool) {
  return {make_location_repository(pool), make_showtime_repository(pool),
          make_poster_repository(pool),   make_scrape_lock_repository(pool),
          make_coverage_repository(pool), make_budget_repository(pool),
          make_visit_repository(pool),    make_name_alias_repository(pool),
          make_film_link_repository(pool)};
}

// A backend's Database derives from ConnectionHolder first, then RepositoryDatabase: the
// connection layer is built before the repositories that use it and outlives them.
template <class Pool>
struct ConnectionHolder {
  template <class... Args>
  explicit ConnectionHolder(Args&&... args) : connections(std::forward<Args>(args)...) {}
  Pool connections;
};

class RepositoryDatabase : public Database {
 public:
  LocationRepository& locations() override { return *r_.locations; }
  ShowtimeRepository& showtimes() override { return *r_.showtimes; }
  PosterRepository& posters() override { return *r_.posters; }
  ScrapeLockRepository& scrape_locks() override { return *r_.scrape_locks; }
  CoverageRepository& coverage() override { return *r_.coverage; }
  BudgetRepository& budget() override { return *r_.budget; }
  VisitRepository& visits() override { return *r_.visits; }
  NameAliasRepository& name_aliases() override { return *r_.name_aliases; }
  FilmLinkRepository& film_links() override { return *r_.film_links; }

 protected:
  explicit RepositoryDatabase(Repositories r) : r_(std::move(r)) {}

 private:
  Repositories r_;
};

}  // namespace cinestream
