#pragma once
// The search routes:
//   GET /api/search?q=&city=&limit=   films for the query in any of the three languages and
//       scripts, typos and transliterations forgiven; films playing in `city` first;
//   GET /api/search/suggest?q=        titles as the visitor types.
#include <functional>
#include <string_view>

#include "cinestream/app/activity.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/search/search_service.hpp"

namespace cinestream::search {

struct SearchApiOptions {
  std::function<bool(std::string_view)> known_city;  // a city id the site serves
};

class SearchApi {
 public:
  SearchApi(SearchService& service, SearchApiOptions options, const Activity& activity)
      : service_(service), options_(std::move(options)), activity_(activity) {}
  void register_routes(http::Router& router);

 private:
  SearchService& service_;
  SearchApiOptions options_;
  const Activity& activity_;
};

}  // namespace cinestream::search
