#pragma once
// The public HTTP API: where a request goes after the router. Each handler validates its input
// (bad input -> 400/404 with an error body), reads through the per-loop cache, and reaches the
// store only through the blocking pool.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <vector>

#include "cinestream/api/visit_counter.hpp"
#include "cinestream/app/activity.hpp"
#include "cinestream/cache/city_versions.hpp"
#include "cinestream/cache/response_cache.hpp"
#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/http/static_files.hpp"
#include "cinestream/observability/metrics.hpp"
#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/store/async_store.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/location_repository.hpp"
#include "cinestream/store/showtime_repository.hpp"
#include "cinestream/store/visit_repository.hpp"

namespace cinestream::api {

struct ApiOptions {
  bool demo = false;                  // data is simulated: said in every document
  std::size_t cache_capacity = 4096;  // rendered bodies per event loop
  std::size_t loops = 1;
  int horizon_days = 14;
  std::string posters_dir;             // downloaded posters, served under /posters/
  std::string secret_key;              // signs the language cookie
  std::string donation_url;            // shown on the page when set
  BlockingPool* files = nullptr;       // reads posters from disk; the task processors' file pool
  const Activity* activity = nullptr;  // notes calendar exports (app/activity.hpp)
};

// The storage the showtimes feature uses: the repositories it reads and writes, nothing else.
struct ApiStore {
  ShowtimeRepository& showtimes;
  LocationRepository& locations;
  VisitRepository& visits;
  HealthCheck& health;
};

inline ApiStore api_store_of(Database& db) {
  return {db.showtimes(), db.locations(), db.visits(), db};
}

class Api {
 public:
  Api(const CityCatalog& catalog, Async<ApiStore> store, CityVersions& versions,
      VisitCounter& visits, const http::StaticFiles& static_files, ApiOptions options);

  void register_routes(http::Router& router);
  // Set once the router (and so the route names) is complete.
  void set_metrics(const HttpMetrics* metrics) { metrics_ = metrics; }
  // More Prometheus text appended to /metrics (the Gemini usage and scrape gauges).
  void set_extra_metrics(std::function<std::string()> extra) { extra_metrics_ = std::move(extra); }

  boost::asio::awaitable<http::Reply> locations(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> showtimes(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> movies(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> stats(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> health(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> metrics(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> web(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> poster(http::RequestContext& ctx);
  // GET: the visitor's language (signed cookie, else Accept-Language), demo flag, donation link.
  // POST {"lang"}: sets the language cookie.
  boost::asio::awaitable<http::Reply> session(http::RequestContext& ctx);
  // One showtime as an iCalendar file (it must exist in the store).
  boost::asio::awaitable<http::Reply> showtime_ics(http::RequestContext& ctx);

 private:
  ResponseCache& cache();
  // Answers from a rendered page (200 JSON or gzip, or 304) as its prebuilt bytes.
  http::Reply from_cache(http::RequestContext& ctx, std::shared_ptr<const CachedBody> body) const;

  const CityCatalog& catalog_;
  Async<ApiStore> store_;
  CityVersions& versions_;
  VisitCounter& visits_;
  const http::StaticFiles& static_files_;
  ApiOptions options_;
  const HttpMetrics* metrics_ = nullptr;
  std::function<std::string()> extra_metrics_;
  std::vector<std::unique_ptr<ResponseCache>> caches_;  // one per event loop
  SingleFlight flights_;                                // shared by the loops: misses compute once
};

// Reads every city's state from the store every `interval` and applies it to `versions`, so
// caches drop what another process changed.
boost::asio::awaitable<void> watch_city_states(Async<LocationRepository> locations,
                                               CityVersions& versions,
                                               std::chrono::milliseconds interval);

}  // namespace cinestream::api
