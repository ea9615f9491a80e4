#include "cinestream/api/install.hpp"

#include <memory>
#include <utility>

#include "cinestream/api/visit_counter.hpp"

namespace cinestream::api {

Api& install(App& app, ShowtimesFeature feature) {
  Database& db = app.database();
  BlockingPool& pool = app.pools().db();
  feature.options.loops = app.loops().size();
  feature.options.files = &app.pools().files();
  feature.options.activity = &app.activity();
  auto& store = app.own(std::make_unique<ApiStore>(api_store_of(db)));
  auto& visits = app.own(std::make_unique<VisitCounter>());
  auto& api =
      app.own(std::make_unique<Api>(feature.catalog, Async<ApiStore>(store, pool), feature.versions,
                                    visits, feature.static_files, std::move(feature.options)));
  api.register_routes(app.router());
  api.set_extra_metrics([&app] { return app.render_metrics(); });

  Async<LocationRepository> locations(db.locations(), pool);
  Async<VisitRepository> visit_store(db.visits(), pool);
  app.spawn([locations, &versions = feature.versions, interval = feature.refresh_interval] {
    return watch_city_states(locations, versions, interval);
  });
  app.spawn([&visits, visit_store, interval = feature.visit_flush_interval] {
    return visits.run(visit_store, interval);
  });
  app.on_drain(DrainStage::after_requests_end,
               [&visits, visit_store] { return visits.flush(visit_store); });
  app.on_exit([&visits, &db] { visits.flush_blocking(db.visits()); });
  return api;
}

}  // namespace cinestream::api
