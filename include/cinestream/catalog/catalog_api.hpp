#pragma once
// The catalogue routes: GET /api/catalog/movies (filters, stable pages), GET
// /api/catalog/movies/{id} (details, where it plays, its showtimes in a city), and the admins'
// corrections POST /api/admin/catalog/movies/{id}/merge and POST
// /api/admin/catalog/cities/{city}/movies/{movie_id}/split.
#include <functional>
#include <string_view>

#include "cinestream/app/activity.hpp"
#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/http/router.hpp"

namespace cinestream::catalog {

struct CatalogApiOptions {
  std::function<bool(std::string_view)> known_city;  // a city id the site serves
  std::chrono::hours horizon{24 * 14};               // showtimes shown on a film's page
};

class CatalogApi {
 public:
  CatalogApi(CatalogService& service, CatalogApiOptions options, const Activity& activity)
      : service_(service), options_(std::move(options)), activity_(activity) {}
  void register_routes(http::Router& router);

 private:
  CatalogService& service_;
  CatalogApiOptions options_;
  const Activity& activity_;  // details viewed and searches by signed-in visitors
};

}  // namespace cinestream::catalog
