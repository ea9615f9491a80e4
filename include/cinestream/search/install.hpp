#pragma once
// The search feature installed into the process: its routes, its metrics, and the index
// refresher (every process holds its own index, rebuilt on its first loop's schedule).
#include <memory>

#include "cinestream/app/app.hpp"
#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/search/embedder.hpp"
#include "cinestream/search/search_api.hpp"
#include "cinestream/search/search_service.hpp"

namespace cinestream::search {

struct SearchFeature {
  SearchOptions service;
  SearchApiOptions api;
  // What embeds films and queries: a remote service (Gemini) when given, else this embedder,
  // else the offline one.
  std::unique_ptr<EmbeddingService> remote;
  std::unique_ptr<Embedder> embedder;
};

SearchService& install(App& app, catalog::CatalogService& films, SearchFeature feature);

}  // namespace cinestream::search
