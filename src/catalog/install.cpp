#include "cinestream/catalog/install.hpp"

#include <memory>
#include <utility>

#include "cinestream/catalog/catalog_store.hpp"

namespace cinestream::catalog {

CatalogService& install(App& app, CatalogFeature feature) {
  Database& db = app.database();
  auto& store = app.own(std::make_unique<CatalogStore>(
      CatalogStore{make_film_repository(db), &db.film_links(), &db.showtimes()}));
  auto& service =
      app.own(std::make_unique<CatalogService>(Async<CatalogStore>(store, app.pools().db())));
  auto& api =
      app.own(std::make_unique<CatalogApi>(service, std::move(feature.api), app.activity()));
  api.register_routes(app.router());
  app.add_metrics([&service] { return service.render_metrics(); });
  if (feature.run_linker) {
    app.spawn(
        [&service, interval = feature.link_interval] { return service.run_linker(interval); });
    if (feature.metadata && feature.enrich.budget_per_hour > 0) {
      auto& provider = app.own(std::move(feature.metadata));
      feature.enrich.interval = feature.link_interval;
      auto& enricher = app.own(
          std::make_unique<FilmEnricher>(Async<CatalogStore>(store, app.pools().db()), provider,
                                         std::move(feature.enrich), std::move(feature.posters)));
      app.add_metrics([&enricher] { return enricher.render_metrics(); });
      app.spawn([&enricher] { return enricher.run(); });
    }
  }
  return service;
}

}  // namespace cinestream::catalog
