#pragma once
// The scraping feature installed into the process: POST /api/scrape and the status routes, the
// lock watchdog, its /metrics section, and a drain that stops running scrapes and frees their
// locks before the server stops taking requests.
#include "cinestream/agent/scrape_service.hpp"
#include "cinestream/app/app.hpp"
#include "cinestream/cache/city_versions.hpp"
#include "cinestream/cities/city_catalog.hpp"

namespace cinestream::agent {

// `options.posters.files` is filled in from the App's file pool.
ScrapeService& install(App& app, const CityCatalog& catalog, CityVersions& versions,
                       ScrapeServiceOptions options);

}  // namespace cinestream::agent
