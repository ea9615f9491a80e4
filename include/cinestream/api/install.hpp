#pragma once
// The showtimes feature installed into the process: the public read API and the web page, the
// visit counter and the watcher that keeps the cities' data versions current.
#include <chrono>

#include "cinestream/api/api.hpp"
#include "cinestream/app/app.hpp"
#include "cinestream/cache/city_versions.hpp"
#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/http/static_files.hpp"

namespace cinestream::api {

struct ShowtimesFeature {
  const CityCatalog& catalog;
  CityVersions& versions;
  const http::StaticFiles& static_files;
  ApiOptions options;  // `loops` and `files` are filled in from the App
  std::chrono::milliseconds refresh_interval{5000};      // the cities' versions are re-read
  std::chrono::milliseconds visit_flush_interval{5000};  // counted visits are written
};

// Registers the routes, the background tasks and the drain steps; /metrics renders every
// section added to the App. Returns the API so the composition root can hand it the HTTP
// metrics once every route exists.
Api& install(App& app, ShowtimesFeature feature);

}  // namespace cinestream::api
