#pragma once
// The catalogue feature installed into the process: its schema is migrated at start-up by the
// composition root (migrate_catalog); here its routes, its metrics and, in the worker chosen to
// run it, the background linker and the metadata enricher.
#include <chrono>
#include <memory>

#include "cinestream/app/app.hpp"
#include "cinestream/catalog/catalog_api.hpp"
#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/catalog/film_enricher.hpp"
#include "cinestream/catalog/metadata_provider.hpp"

namespace cinestream::catalog {

struct CatalogFeature {
  CatalogApiOptions api;
  std::chrono::milliseconds link_interval{5'000};
  bool run_linker = true;  // one process of a deployment links (film_linker.hpp) and enriches
  // Where metadata comes from (TMDB, else Gemini); none: films keep what the scrapes found. Used
  // only where the linker runs; enrich.interval is the linker's.
  std::unique_ptr<MetadataProvider> metadata;
  EnricherOptions enrich;
  PosterDownload posters;  // the scraper's safe downloader; none: posters stay remote URLs
};

CatalogService& install(App& app, CatalogFeature feature);

}  // namespace cinestream::catalog
