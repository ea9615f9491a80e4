#include "cinestream/search/install.hpp"

namespace cinestream::search {

SearchService& install(App& app, catalog::CatalogService& films, SearchFeature feature) {
  if (!feature.embedder) feature.embedder = std::make_unique<OfflineEmbedder>();
  auto& embedder = app.own(std::move(feature.embedder));
  EmbeddingService* remote = feature.remote ? &app.own(std::move(feature.remote)) : nullptr;
  auto& service = app.own(std::make_unique<SearchService>(films, app.pools().cpu(), embedder,
                                                          remote, std::move(feature.service)));
  auto& api = app.own(std::make_unique<SearchApi>(service, std::move(feature.api), app.activity()));
  api.register_routes(app.router());
  app.add_metrics([&service] { return service.render_metrics(); });
  app.spawn([&service] { return service.run(); });
  return service;
}

}  // namespace cinestream::search
