#include "cinestream/api/api.hpp"
#include "cinestream/text/clean_text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "cinestream/api/render.hpp"
#include "cinestream/domain/poster_name.hpp"
#include "cinestream/http/encoding.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/runtime/event_loops.hpp"

namespace cinestream::api {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using http::error_response;
using http::Response;
using http::Status;

namespace {

// Either a parsed value or the error response to send.
template <class T>
struct Parsed {
  std::optional<T> value;
  std::optional<Response> error;
};

Parsed<Lang> lang_param(const http::RequestContext& ctx) {
  auto raw = ctx.target.param("lang");
  if (!raw || raw->empty()) return {Lang::en, std::nullopt};
  if (auto l = parse_lang(*raw)) return {*l, std::nullopt};
  return {std::nullopt,
          error_response(Status::bad_request, "invalid_lang", "lang must be one of en, ua, ru")};
}

std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

struct CityParam {
  const Location* location = nullptr;
  const date::time_zone* zone = nullptr;
  std::size_t index = 0;
};

Parsed<CityParam> city_param(const http::RequestContext& ctx, const CityCatalog& catalog) {
  auto raw = ctx.target.param("city");
  if (!raw || raw->empty()) {
    return {std::nullopt, error_response(Status::bad_request, "missing_city",
                                         "the city parameter is required (an id or a name)")};
  }
  const Location* l = catalog.resolve(*raw);
  if (!l) {
    // Echoed as clean UTF-8 only (a percent-decoded name can hold any byte), cut on a character.
    auto shown = clean_text(*raw, 80);
    return {std::nullopt, error_response(Status::not_found, "city_not_found",
                                         fmt::format("no city called '{}'", shown))};
  }
  return {CityParam{l, catalog.zone(*l), catalog.index_of(*l)}, std::nullopt};
}

// "kind|city|YYYY-MM-DD|lang", the cache key, built for every request: appends, not fmt.
std::string cache_key(std::string_view kind, std::string_view city, date::year_month_day day,
                      Lang lang) {
  auto lang_name = to_string(lang);
  std::string key;
  key.reserve(kind.size() + city.size() + lang_name.size() + 16);
  key.append(kind);
  key.push_back('|');
  key.append(city);
  key.push_back('|');
  int y = static_cast<int>(day.year());
  if (y >= 0 && y <= 9999) {
    auto m = static_cast<unsigned>(day.month());
    auto d = static_cast<unsigned>(day.day());
    const char digits[10] = {static_cast<char>('0' + y / 1000),
                             static_cast<char>('0' + y / 100 % 10),
                             static_cast<char>('0' + y / 10 % 10),
                             static_cast<char>('0' + y % 10),
                             '-',
                             static_cast<char>('0' + m / 10),
                             static_cast<char>('0' + m % 10),
                             '-',
                             static_cast<char>('0' + d / 10),
                             static_cast<char>('0' + d % 10)};
    key.append(digits, sizeof digits);
  } else {
    key.append(format_iso_date(day));
  }
  key.push_back('|');
  key.append(lang_name);
  return key;
}

SysSeconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

Api::Api(const CityCatalog& catalog, Async<ApiStore> store, CityVersions& versions,
         VisitCounter& visits, const http::StaticFiles& static_files, ApiOptions options)
    : catalog_(catalog),
      store_(store),
      versions_(versions),
      visits_(visits),
      static_files_(static_files),
      options_(options) {
  if (!options_.files) throw std::invalid_argument("Api needs the file pool");
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.loops); ++i) {
    caches_.push_back(std::make_unique<ResponseCache>(options_.cache_capacity));
  }
}

ResponseCache& Api::cache() {
  return *caches_[EventLoops::current() % caches_.size()];
}

void Api::register_routes(http::Router& router) {
  auto bind = [this](auto method) {
    return [this, method](http::RequestContext& ctx) { return (this->*method)(ctx); };
  };
  router.add(http::Verb::get, "/api/locations", bind(&Api::locations));
  router.add(http::Verb::get, "/api/showtimes", bind(&Api::showtimes));
  router.add(http::Verb::get, "/api/movies", bind(&Api::movies));
  router.add(http::Verb::get, "/api/stats", bind(&Api::stats));
  router.add(http::Verb::get, "/healthz", bind(&Api::health));
  router.add(http::Verb::get, "/metrics", bind(&Api::metrics));
  router.add(http::Verb::get, "/posters/{file}", bind(&Api::poster));
  router.add(http::Verb::get, "/api/session", bind(&Api::session));
  router.add(http::Verb::post, "/api/session", bind(&Api::session));
  router.add(http::Verb::get, "/api/showtime.ics", bind(&Api::showtime_ics));
  router.set_fallback(bind(&Api::web));
}

http::Reply Api::from_cache(http::RequestContext& ctx,
                            std::shared_ptr<const CachedBody> body) const {
  const auto& req = ctx.request;
  auto variant = CachedVariant::json;
  if (auto inm = req[bh::field::if_none_match];
      !inm.empty() && http::etag_matches(inm, body->etag)) {
    variant = CachedVariant::not_modified;
  } else if (body->gzip && http::accepts_gzip(req[bh::field::accept_encoding])) {
    variant = CachedVariant::gzip;
  }
  // The server writes the entry's ready header bytes, sharing them with the entry.
  const auto& prebuilt = body->prebuilt(variant);
  return http::Reply::prebuilt(
      std::shared_ptr<const http::PrebuiltResponse>(std::move(body), &prebuilt));
}

asio::awaitable<http::Reply> Api::locations(http::RequestContext& ctx) {
  auto lang = lang_param(ctx);
  if (lang.error) co_return std::move(*lang.error);
  auto lat_raw = ctx.target.param("lat");
  auto lon_raw = ctx.target.param("lon");
  auto limit_raw = ctx.target.param("limit");
  if (lat_raw.has_value() != lon_raw.has_value()) {
    co_return error_response(Status::bad_request, "invalid_position",
                             "give both lat and lon, or neither");
  }
  std::size_t limit = catalog_.all().size();
  if (limit_raw) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(limit_raw->data(), limit_raw->data() + limit_raw->size(), v);
    if (ec != std::errc{} || p != limit_raw->data() + limit_raw->size() || v == 0 || v > 1000) {
      co_return error_response(Status::bad_request, "invalid_limit",
                               "limit must be a whole number from 1 to 1000");
    }
    limit = v;
  }
  auto states = versions_.states();
  auto state_of = [&](const Location& l) -> const LocationState* {
    for (const auto& s : *states) {
      if (s.city_id == l.id) return &s;
    }
    return nullptr;
  };
  std::vector<LocationRow> rows;
  if (lat_raw) {
    auto lat = parse_double(*lat_raw);
    auto lon = parse_double(*lon_raw);
    if (!lat || *lat < -90 || *lat > 90) {
      co_return error_response(Status::bad_request, "invalid_lat",
                               "lat must be a number from -90 to 90");
    }
    if (!lon || *lon < -180 || *lon > 180) {
      co_return error_response(Status::bad_request, "invalid_lon",
                               "lon must be a number from -180 to 180");
    }
    for (const auto& n : catalog_.nearest({*lat, *lon}, limit)) {
      rows.push_back({n.location, n.distance_km, state_of(*n.location)});
    }
  } else {
    for (const auto& l : catalog_.all()) {
      if (rows.size() >= limit) break;
      rows.push_back({&l, std::nullopt, state_of(l)});
    }
  }
  // Rendered per request (scrape status changes), but gzipped and validated like cached pages.
  auto body = make_cached_body(render_locations(rows, *lang.value));
  co_return from_cache(ctx, std::move(body));
}

asio::awaitable<http::Reply> Api::showtimes(http::RequestContext& ctx) {
  auto city = city_param(ctx, catalog_);
  if (city.error) co_return std::move(*city.error);
  auto lang = lang_param(ctx);
  if (lang.error) co_return std::move(*lang.error);
  const auto& c = *city.value;
  date::year_month_day day = local_date(c.zone, now_seconds());
  if (auto raw = ctx.target.param("date"); raw && !raw->empty()) {
    auto parsed = parse_iso_date(*raw);
    if (!parsed) {
      co_return error_response(Status::bad_request, "invalid_date",
                               "date must be a real day written YYYY-MM-DD");
    }
    // Only days that can hold data, the horizon from yesterday (less a day of slack) to 14 days
    // ahead: every other day would be a cache entry and a store query of its own, pushing out
    // the pages people read.
    auto today = date::sys_days{day};
    auto asked = date::sys_days{*parsed};
    if (asked < today - date::days{2} || asked > today + date::days{options_.horizon_days}) {
      co_return error_response(
          Status::bad_request, "date_out_of_range",
          fmt::format(
              "date must be from {} to {}",
              format_iso_date(date::year_month_day{today - date::days{2}}),
              format_iso_date(date::year_month_day{today + date::days{options_.horizon_days}})));
    }
    day = *parsed;
  }
  auto key = cache_key("showtimes", c.location->id, day, *lang.value);
  auto version = versions_.version(c.index);
  if (auto hit = cache().find(key, version)) co_return from_cache(ctx, std::move(hit));

  auto range = local_day(c.zone, day);
  std::string id = c.location->id;
  // Concurrent misses of this page (on any loop) query and render once.
  SingleFlight::Compute compute = [this, id, range, location = c.location, zone = c.zone, day,
                                   lang = *lang.value]() -> asio::awaitable<SingleFlight::Result> {
    auto query = [id, range](ApiStore& s) {
      return s.showtimes.movies_between(id, range.begin, range.end);
    };
    auto movies = co_await store_.call(std::move(query));
    co_return make_cached_body(
        render_showtimes({*location, zone}, day, lang, movies, options_.demo));
  };
  auto body = co_await flights_.run(key, version, std::move(compute));
  // Tagged with the version read before the query: a change during it invalidates the entry.
  if (version >= 0) cache().put(std::move(key), version, body);
  co_return from_cache(ctx, std::move(body));
}

asio::awaitable<http::Reply> Api::movies(http::RequestContext& ctx) {
  auto city = city_param(ctx, catalog_);
  if (city.error) co_return std::move(*city.error);
  auto lang = lang_param(ctx);
  if (lang.error) co_return std::move(*lang.error);
  const auto& c = *city.value;
  auto today = local_date(c.zone, now_seconds());
  auto last = date::year_month_day{date::sys_days{today} + date::days{options_.horizon_days - 1}};
  auto key = cache_key("movies", c.location->id, today, *lang.value);
  auto version = versions_.version(c.index);
  if (auto hit = cache().find(key, version)) co_return from_cache(ctx, std::move(hit));

  auto from = local_day(c.zone, today).begin;
  auto to = local_day(c.zone, last).end;
  std::string id = c.location->id;
  SingleFlight::Compute compute = [this, id, from, to, location = c.location, zone = c.zone, today,
                                   last,
                                   lang = *lang.value]() -> asio::awaitable<SingleFlight::Result> {
    auto query = [id, from, to](ApiStore& s) { return s.showtimes.movies_between(id, from, to); };
    auto movies = co_await store_.call(std::move(query));
    co_return make_cached_body(
        render_movies({*location, zone}, today, last, lang, movies, options_.demo));
  };
  auto body = co_await flights_.run(key, version, std::move(compute));
  if (version >= 0) cache().put(std::move(key), version, body);
  co_return from_cache(ctx, std::move(body));
}

asio::awaitable<http::Reply> Api::stats(http::RequestContext&) {
  auto stored = co_await store_.call([](ApiStore& s) { return s.visits.visits(); });
  boost::json::object doc{{"visitors", stored + visits_.pending()}};
  auto res = http::json_response(Status::ok, http::json_text(doc));
  res.set(bh::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<http::Reply> Api::health(http::RequestContext& ctx) {
  try {
    co_await store_.call([](ApiStore& s) { s.health.check_health(); });
  } catch (const std::exception& e) {
    spdlog::warn("request_id={} health check failed: {}", ctx.request_id, e.what());
    auto res = error_response(Status::service_unavailable, "store_unavailable",
                              "the data store does not answer");
    co_return res;
  }
  auto res = http::json_response(Status::ok, R"({"status":"ok","store":"ok"})");
  res.set(bh::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<http::Reply> Api::metrics(http::RequestContext&) {
  std::string text = metrics_ ? metrics_->render() : std::string();
  text += "# HELP cinestream_blocking_pool_queued Jobs waiting for a blocking-pool thread.\n";
  text += "# TYPE cinestream_blocking_pool_queued gauge\n";
  text += fmt::format("cinestream_blocking_pool_queued {}\n", store_.pool().queued());
  text += "# HELP cinestream_visits_pending Visits counted but not yet written to the store.\n";
  text += "# TYPE cinestream_visits_pending gauge\n";
  text += fmt::format("cinestream_visits_pending {}\n", visits_.pending());
  text += "# HELP cinestream_cache_fills_total Cached pages computed (store queries) on a miss.\n";
  text += "# TYPE cinestream_cache_fills_total counter\n";
  text += fmt::format("cinestream_cache_fills_total {}\n", flights_.computations());
  if (extra_metrics_) text += extra_metrics_();
  auto res = http::make_response(Status::ok, "text/plain; version=0.0.4; charset=utf-8",
                                 std::make_shared<const std::string>(std::move(text)));
  res.set(bh::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<http::Reply> Api::web(http::RequestContext& ctx) {
  const auto* file = static_files_.find(ctx.target.path);
  if (!file) {
    co_return error_response(Status::not_found, "not_found", "no such resource");
  }
  if (ctx.target.path == "/" || ctx.target.path == "/index.html") visits_.record();
  auto res = static_files_.serve(*file, ctx.request);
  if (file->content_type.starts_with("text/html")) {
    // Scraped text is data: pages run only our own scripts and styles.
    res.set("Content-Security-Policy",
            "default-src 'self'; img-src 'self' https: data:; script-src 'self'; "
            "style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "strict-origin-when-cross-origin");
  }
  co_return res;
}

asio::awaitable<http::Reply> Api::poster(http::RequestContext& ctx) {
  const std::string name(ctx.param("file"));
  if (!is_poster_name(name) || options_.posters_dir.empty()) {
    co_return error_response(Status::not_found, "not_found", "no such poster");
  }
  auto etag = fmt::format("\"{}\"", name.substr(0, 64));
  if (http::etag_matches(ctx.request[bh::field::if_none_match], etag)) {
    auto res = http::make_response(Status::not_modified, "image/png", nullptr);
    res.erase(bh::field::content_type);
    res.set(bh::field::etag, etag);
    co_return res;
  }
  // Disk reads run on the file pool: a slow disk never holds a loop or the database's threads.
  auto read = [path = options_.posters_dir + "/" + name]() -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto bytes = co_await options_.files->run(std::move(read));
  if (!bytes) co_return error_response(Status::not_found, "not_found", "no such poster");
  auto ext = name.substr(65);
  auto type = ext == "jpg" ? "image/jpeg" : ext == "png" ? "image/png" : "image/webp";
  auto res =
      http::make_response(Status::ok, type, std::make_shared<const std::string>(std::move(*bytes)));
  // Content-addressed: a name never changes meaning.
  res.set(bh::field::cache_control, "public, max-age=31536000, immutable");
  res.set(bh::field::etag, etag);
  co_return res;
}

asio::awaitable<void> watch_city_states(Async<LocationRepository> locations, CityVersions& versions,
                                        std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool failing = false;
  for (;;) {
    try {
      auto states =
          co_await locations.call([](LocationRepository& r) { return r.location_states(); });
      versions.update(std::move(states));
      if (failing) spdlog::info("city state watcher: store reachable again");
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) spdlog::warn("city state watcher: {}", e.what());
      failing = true;
    }
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace cinestream::api
