#pragma once
// The catalogue feature installed into the process: its schema is migrated at start-up by the
// composition root (migrate_catalog); here its routes, its metrics and, in the worker chosen to
// run it, the background linker.
#include <chrono>

#include "cinestream/app/app.hpp"
#include "cinestream/catalog/catalog_api.hpp"
#include "cinestream/catalog/catalog_service.hpp"

namespace cinestream::catalog {

struct CatalogFeature {
  CatalogApiOptions api;
  std::chrono::milliseconds link_interval{5'000};
  bool run_linker = true;  // one process of a deployment links (film_linker.hpp)
};

CatalogService& install(App& app, CatalogFeature feature);

}  // namespace cinestream::catalog
