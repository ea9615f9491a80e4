#include "cinestream/agent/install.hpp"

#include <memory>
#include <utility>

#include "cinestream/agent/scrape_store.hpp"

namespace cinestream::agent {

ScrapeService& install(App& app, const CityCatalog& catalog, CityVersions& versions,
                       ScrapeServiceOptions options) {
  options.posters.files = &app.pools().files();
  options.sites.cpu = &app.pools().cpu();
  auto& store = app.own(std::make_unique<ScrapeStore>(scrape_store_of(app.database())));
  auto& scraper = app.own(std::make_unique<ScrapeService>(
      app.loops(), catalog, Async<ScrapeStore>(store, app.pools().db()), versions,
      std::move(options)));
  scraper.register_routes(app.router());
  app.add_metrics([&scraper] { return scraper.render_metrics(); });
  app.spawn([&scraper] { return scraper.watchdog(); });
  // Before the drain: a scrape stopped by SIGTERM frees its city's lock at once.
  app.on_drain(DrainStage::before_requests_end, [&scraper] { return scraper.shutdown(); });
  return scraper;
}

}  // namespace cinestream::agent
