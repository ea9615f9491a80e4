#pragma once
// The signed-in visitor's library routes: PUT/DELETE /api/me/ratings/{film_id} {"rating": 4.5},
// PUT/DELETE /api/me/watchlist/{film_id}, /api/me/seen/{film_id} [{"watched_on": "YYYY-MM-DD"}],
// /api/me/hidden/{film_id}, GET /api/me/library, POST /api/me/activity (what only the page sees:
// {"kind": "opened_showtimes", "film_id": N}); and the public GET /api/ratings/{film_id} (average
// and count). Film ids are catalogue films (module catalog); a merged film's id is
// recorded under the film it was merged into.
#include "cinestream/app/activity.hpp"
#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/library/library_repository.hpp"
#include "cinestream/store/async_store.hpp"

namespace cinestream::library {

class LibraryApi {
 public:
  LibraryApi(Async<LibraryRepository> store, catalog::CatalogService& films,
             const Activity& activity)
      : store_(store), films_(films), activity_(activity) {}
  void register_routes(http::Router& router);

 private:
  Async<LibraryRepository> store_;
  catalog::CatalogService& films_;
  const Activity& activity_;
};

// The library as JSON (the route and the account export share it).
boost::json::object library_json(const Library& lib);
// {"average": 4.5 or null, "count": n}: the public rating of a film.
boost::json::object rating_json(const RatingSummary& sum);

}  // namespace cinestream::library
