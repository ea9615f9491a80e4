#pragma once
// The recommendations feature installed into the process: its routes, its metrics, and the
// model refresher (every process holds its own model; each runs one refresher, on worker 0).
#include "cinestream/app/app.hpp"
#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/recommend/recommend_api.hpp"
#include "cinestream/recommend/recommendation_service.hpp"

namespace cinestream::recommend {

struct RecommendFeature {
  RecommendOptions service;
  RecommendApiOptions api;
};

// `embedder`: what gives films their content vectors (the search feature's local one).
RecommendationService& install(App& app, catalog::CatalogService& films,
                               const search::Embedder* embedder, RecommendFeature feature);

}  // namespace cinestream::recommend
