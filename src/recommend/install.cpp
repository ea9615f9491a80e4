#include "cinestream/recommend/install.hpp"

#include "cinestream/library/library_store.hpp"

namespace cinestream::recommend {

RecommendationService& install(App& app, catalog::CatalogService& films,
                               const search::Embedder* embedder, RecommendFeature feature) {
  Database& db = app.database();
  auto& ratings = app.own(library::make_library_repository(db));
  auto& interactions = app.own(library::make_interaction_repository(db));
  auto& store = app.own(
      std::make_unique<RecommendStore>(RecommendStore{&ratings, &interactions, &db.showtimes()}));
  auto& service = app.own(std::make_unique<RecommendationService>(
      Async<RecommendStore>(store, app.pools().db()), app.pools().cpu(), films, embedder,
      std::move(feature.service)));
  auto& api = app.own(std::make_unique<RecommendApi>(service, std::move(feature.api)));
  api.register_routes(app.router());
  app.add_metrics([&service] { return service.render_metrics(); });
  app.spawn([&service] { return service.run(); });
  return service;
}

}  // namespace cinestream::recommend
