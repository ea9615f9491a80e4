#include "cinestream/tmdb_sim/sim_server.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include "cinestream/http/json_text.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/http/server.hpp"
#include "cinestream/observability/metrics.hpp"
#include "cinestream/runtime/event_loops.hpp"
#include "mix.hpp"

namespace cinestream::tmdb_sim {
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;
using http::Response;
using http::Status;
using namespace std::chrono_literals;

struct SimServer::Impl {
  EventLoops loops{1};
  http::Router router;
  std::unique_ptr<HttpMetrics> metrics;
  std::unique_ptr<http::Server> server;
  std::string host;
  std::uint16_t port = 0;
};

namespace {

constexpr std::array<const char*, 7> kPosterSizes{"w92",  "w154", "w185",    "w342",
                                                  "w500", "w780", "original"};

double get_rate(const json::object& o, std::string_view key, double current) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return current;
  return std::clamp(v->to_number<double>(), 0.0, 1.0);
}
int get_count(const json::object& o, std::string_view key, int current, int max = 1000) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return current;
  return static_cast<int>(std::clamp<double>(v->to_number<double>(), 0, max));
}
std::chrono::milliseconds get_ms(const json::object& o, std::string_view key,
                                 std::chrono::milliseconds current) {
  return std::chrono::milliseconds(get_count(o, key, static_cast<int>(current.count()), 3'600'000));
}

Response tmdb_json(unsigned status, const json::value& body) {
  auto res = http::make_response(static_cast<Status>(status), "application/json;charset=utf-8",
                                 std::make_shared<const std::string>(http::json_text(body)));
  res.set(bh::field::cache_control, "public, max-age=300");
  res.set(bh::field::server, "openresty");
  return res;
}

Response tmdb_error(unsigned status, int code, std::string_view message) {
  return tmdb_json(
      status, json::object{{"success", false}, {"status_code", code}, {"status_message", message}});
}

// The texts of a film in a request's language ("uk-UA" -> uk); English otherwise.
const SimText& text_in(const SimFilm& f, std::string_view language) {
  if (language.starts_with("uk")) return f.uk;
  if (language.starts_with("ru")) return f.ru;
  return f.en;
}

json::object search_entry(const SimFilm& f, std::string_view language) {
  const auto& t = text_in(f, language);
  json::array genres;
  for (int g : f.genre_ids)
    genres.push_back(g);
  return {{"adult", false},
          {"backdrop_path", nullptr},
          {"genre_ids", std::move(genres)},
          {"id", f.id},
          {"original_language", f.original_language},
          {"original_title", f.original_title},
          {"overview", t.overview},
          {"popularity", f.popularity},
          {"poster_path", f.poster_path},
          {"release_date", f.release_date},
          {"title", t.title.empty() ? f.en.title : t.title},
          {"video", false},
          {"vote_average", 6.5},
          {"vote_count", 120}};
}

json::object translation(const SimFilm& f, const char* lang, const char* country, const char* name,
                         const char* english_name, const SimText& t) {
  return {{"iso_3166_1", country},
          {"iso_639_1", lang},
          {"name", name},
          {"english_name", english_name},
          {"data",
           {{"homepage", ""},
            {"overview", t.overview},
            {"runtime", f.runtime},
            {"tagline", t.tagline},
            {"title", t.title}}}};
}

json::object release(const std::string& country, const std::string& cert, const SimFilm& f) {
  return {{"iso_3166_1", country},
          {"release_dates",
           {{{"certification", cert},
             {"descriptors", json::array{}},
             {"iso_639_1", ""},
             {"note", ""},
             {"release_date", f.release_date + "T00:00:00.000Z"},
             {"type", 3}}}}};
}

json::object details(const SimFilm& f, std::string_view language, std::string_view append) {
  const auto& t = text_in(f, language);
  json::array genres;
  for (int g : f.genre_ids)
    genres.push_back({{"id", g}, {"name", genre_name(g)}});
  json::object o{{"adult", false},
                 {"backdrop_path", nullptr},
                 {"belongs_to_collection", nullptr},
                 {"budget", 0},
                 {"genres", std::move(genres)},
                 {"homepage", ""},
                 {"id", f.id},
                 {"imdb_id", f.imdb_id},
                 {"origin_country", json::array{f.original_language == "uk" ? "UA" : "US"}},
                 {"original_language", f.original_language},
                 {"original_title", f.original_title},
                 {"overview", t.overview},
                 {"popularity", f.popularity},
                 {"poster_path", f.poster_path},
                 {"release_date", f.release_date},
                 {"revenue", 0},
                 {"runtime", f.runtime},
                 {"status", "Released"},
                 {"tagline", t.tagline},
                 {"title", t.title.empty() ? f.en.title : t.title},
                 {"video", false},
                 {"vote_average", 6.5},
                 {"vote_count", 120}};
  auto wants = [&](std::string_view what) {
    std::size_t start = 0;
    while (start <= append.size()) {
      auto end = append.find(',', start);
      if (end == std::string_view::npos) end = append.size();
      if (append.substr(start, end - start) == what) return true;
      start = end + 1;
    }
    return false;
  };
  if (wants("translations")) {
    o["translations"] = {{"translations",
                          {translation(f, "en", "US", "English", "English", f.en),
                           translation(f, "uk", "UA", "Український", "Ukrainian", f.uk),
                           translation(f, "ru", "RU", "Pусский", "Russian", f.ru)}}};
  }
  if (wants("external_ids")) {
    o["external_ids"] = {{"imdb_id", f.imdb_id},
                         {"wikidata_id", nullptr},
                         {"facebook_id", nullptr},
                         {"instagram_id", nullptr},
                         {"twitter_id", nullptr}};
  }
  if (wants("release_dates")) {
    json::array results;
    if (!f.cert_ua.empty()) results.push_back(release("UA", f.cert_ua, f));
    results.push_back(release("US", f.cert_us, f));
    o["release_dates"] = {{"results", std::move(results)}};
  }
  return o;
}

std::optional<int> int_param(const http::RequestContext& ctx, std::string_view key) {
  auto v = ctx.target.param(key);
  if (!v || v->empty()) return std::nullopt;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || p != v->data() + v->size()) return std::nullopt;
  return n;
}

}  // namespace

Faults parse_faults(const json::object& o, Faults f) {
  f.latency = get_ms(o, "latency_ms", f.latency);
  f.rate_429 = get_rate(o, "rate_429", f.rate_429);
  f.burst_429 = get_count(o, "burst_429", f.burst_429);
  f.retry_after_s = get_count(o, "retry_after_s", f.retry_after_s, 3600);
  f.rate_503 = get_rate(o, "rate_503", f.rate_503);
  f.burst_503 = get_count(o, "burst_503", f.burst_503);
  f.drop_rate = get_rate(o, "drop_rate", f.drop_rate);
  f.burst_drop = get_count(o, "burst_drop", f.burst_drop);
  f.malformed_rate = get_rate(o, "malformed_rate", f.malformed_rate);
  f.burst_malformed = get_count(o, "burst_malformed", f.burst_malformed);
  f.stall_rate = get_rate(o, "stall_rate", f.stall_rate);
  f.burst_stall = get_count(o, "burst_stall", f.burst_stall);
  f.stall = get_ms(o, "stall_ms", f.stall);
  return f;
}

json::object faults_json(const Faults& f) {
  return {{"latency_ms", f.latency.count()},
          {"rate_429", f.rate_429},
          {"burst_429", f.burst_429},
          {"retry_after_s", f.retry_after_s},
          {"rate_503", f.rate_503},
          {"burst_503", f.burst_503},
          {"drop_rate", f.drop_rate},
          {"burst_drop", f.burst_drop},
          {"malformed_rate", f.malformed_rate},
          {"burst_malformed", f.burst_malformed},
          {"stall_rate", f.stall_rate},
          {"burst_stall", f.burst_stall},
          {"stall_ms", f.stall.count()}};
}

SimServer::SimServer(World world, SimOptions options)
    : world_(std::move(world)),
      options_(std::move(options)),
      faults_(options_.faults),
      impl_(std::make_unique<Impl>()) {
  enum class Fault { none, too_many, unavailable, drop, malformed };
  struct Decision {
    Fault fault = Fault::none;
    std::chrono::milliseconds delay{0};
    int retry_after_s = 1;
  };
  // What this call suffers: the bursts first, then the rates (rolled from the seed and the
  // call's number, so a run is reproducible).
  auto decide = [this]() {
    std::lock_guard lock(mutex_);
    auto call = static_cast<std::uint64_t>(++stats_.calls);
    auto& f = faults_;
    Decision d;
    d.delay = f.latency;
    d.retry_after_s = f.retry_after_s;
    auto roll = [&](std::uint64_t k) {
      return static_cast<double>(splitmix(world_.options().seed * 31 + call * 13 + k) >> 11) /
             9007199254740992.0;
    };
    auto take = [](int& burst) { return burst > 0 ? (--burst, true) : false; };
    if (take(f.burst_429) || roll(1) < f.rate_429) {
      d.fault = Fault::too_many;
    } else if (take(f.burst_503) || roll(2) < f.rate_503) {
      d.fault = Fault::unavailable;
    } else if (take(f.burst_drop) || roll(3) < f.drop_rate) {
      d.fault = Fault::drop;
    } else if (take(f.burst_malformed) || roll(4) < f.malformed_rate) {
      d.fault = Fault::malformed;
    }
    if (take(f.burst_stall) || roll(5) < f.stall_rate) d.delay += f.stall;
    if (d.fault != Fault::none || d.delay > f.latency) ++stats_.errors_injected;
    return d;
  };
  auto authorized = [this](const http::RequestContext& ctx) {
    auto auth = std::string_view(ctx.request[bh::field::authorization]);
    if (auth.starts_with("Bearer ")) {
      auto token = auth.substr(7);
      return !token.empty() && (options_.read_token.empty() || token == options_.read_token);
    }
    auto key = ctx.target.param("api_key").value_or("");
    return !key.empty() && (options_.api_key.empty() || key == options_.api_key);
  };
  // Every API route: credential, faults, then the answer `make` builds (or its error).
  using Maker = std::function<Response(http::RequestContext&)>;
  auto api = [decide, authorized](Maker make) {
    return [decide, authorized,
            make = std::move(make)](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
      if (!authorized(ctx)) {
        co_return tmdb_error(401, 7, "Invalid API key: You must be granted a valid key.");
      }
      auto d = decide();
      if (d.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(d.delay);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      switch (d.fault) {
        case Fault::too_many: {
          auto res =
              tmdb_error(429, 25, "Your request count (41) is over the allowed limit of (40).");
          res.set(bh::field::retry_after, std::to_string(d.retry_after_s));
          co_return res;
        }
        case Fault::unavailable:
          co_return tmdb_error(503, 9,
                               "Service offline: This service is temporarily offline, try "
                               "again later.");
        case Fault::malformed: {
          co_return http::make_response(
              Status::ok, "application/json;charset=utf-8",
              std::make_shared<const std::string>("<html><body>502 Bad Gateway</body></html>"));
        }
        case Fault::drop: {
          // Half the answer, then the connection closes. The server frames a stream by the
          // close (it sets no length and no chunking), so the client reads a cut answer: an
          // unreadable 200, retried like a lost connection.
          auto full = make(ctx);
          const auto& bytes = full.body();
          auto half = std::make_shared<const std::string>(
              bytes ? bytes->substr(0, bytes->size() / 2) : std::string());
          auto head = http::make_response(Status::ok, "application/json;charset=utf-8",
                                          std::make_shared<const std::string>());
          auto producer = [half](http::EventSink& sink) -> asio::awaitable<void> {
            co_await sink.send(*half);
          };
          co_return http::Reply::stream(std::move(head), std::move(producer));
        }
        case Fault::none:
          break;
      }
      co_return make(ctx);
    };
  };

  auto& r = impl_->router;
  r.add(http::Verb::get, "/3/search/movie", api([this](http::RequestContext& ctx) {
          auto query = ctx.target.param("query").value_or("");
          if (query.empty()) {
            // TMDB answers an empty query with an empty page, not an error.
            return tmdb_json(200, json::object{{"page", 1},
                                               {"results", json::array{}},
                                               {"total_pages", 1},
                                               {"total_results", 0}});
          }
          auto year = int_param(ctx, "primary_release_year");
          if (!year) year = int_param(ctx, "year");
          auto page = std::max(1, int_param(ctx, "page").value_or(1));
          auto language = ctx.target.param("language").value_or("en-US");
          auto found = world_.search(query, year);
          json::array results;
          for (std::size_t i = static_cast<std::size_t>(page - 1) * 20;
               i < found.size() && results.size() < 20; ++i) {
            results.push_back(search_entry(*found[i], language));
          }
          {
            std::lock_guard lock(mutex_);
            ++stats_.searches;
          }
          auto total = static_cast<std::int64_t>(found.size());
          return tmdb_json(
              200, json::object{{"page", page},
                                {"results", std::move(results)},
                                {"total_pages", std::max<std::int64_t>(1, (total + 19) / 20)},
                                {"total_results", total}});
        }));
  r.add(http::Verb::get, "/3/movie/{id}", api([this](http::RequestContext& ctx) {
          auto id = http::parse_int_param(ctx.param("id"));
          const SimFilm* f = id ? world_.find(*id) : nullptr;
          if (!f) {
            return tmdb_error(404, 34, "The resource you requested could not be found.");
          }
          {
            std::lock_guard lock(mutex_);
            ++stats_.details;
          }
          return tmdb_json(200, details(*f, ctx.target.param("language").value_or("en-US"),
                                        ctx.target.param("append_to_response").value_or("")));
        }));
  r.add(http::Verb::get, "/3/configuration", api([this](http::RequestContext& ctx) {
          {
            std::lock_guard lock(mutex_);
            ++stats_.configurations;
          }
          auto images = fmt::format("http://{}/t/p/", std::string(ctx.request[bh::field::host]));
          json::array sizes;
          for (const auto* s : kPosterSizes)
            sizes.push_back(json::string(s));
          return tmdb_json(
              200, json::object{
                       {"images",
                        {{"base_url", images},
                         {"secure_base_url", images},
                         {"backdrop_sizes", {"w300", "w780", "w1280", "original"}},
                         {"logo_sizes", {"w45", "w92", "w154", "w185", "w300", "w500", "original"}},
                         {"poster_sizes", std::move(sizes)},
                         {"profile_sizes", {"w45", "w185", "h632", "original"}},
                         {"still_sizes", {"w92", "w185", "w300", "original"}}}},
                       {"change_keys",
                        {"adult", "genres", "images", "release_dates", "title", "translations"}}});
        }));
  r.add(http::Verb::get, "/t/p/{size}/{file}",
        [this](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
          auto size = ctx.param("size");
          bool known = std::any_of(kPosterSizes.begin(), kPosterSizes.end(),
                                   [&](const char* s) { return size == s; });
          auto png =
              known ? world_.poster_png(fmt::format("/{}", ctx.param("file"))) : std::nullopt;
          if (!png) co_return tmdb_error(404, 34, "The resource you requested could not be found.");
          {
            std::lock_guard lock(mutex_);
            ++stats_.posters;
          }
          auto res = http::make_response(Status::ok, "image/png",
                                         std::make_shared<const std::string>(std::move(*png)));
          res.set(bh::field::cache_control, "public, max-age=31536000");
          co_return res;
        });
  r.add(http::Verb::get, "/sim/faults",
        [this](http::RequestContext&) -> asio::awaitable<http::Reply> {
          co_return tmdb_json(200, faults_json(faults()));
        });
  r.add(http::Verb::post, "/sim/faults",
        [this](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
          boost::system::error_code ec;
          auto doc = json::parse(ctx.request.body(), ec);
          if (ec || !doc.is_object()) {
            co_return http::error_response(Status::bad_request, "invalid_json",
                                           "expected a JSON object");
          }
          // Merges into the current faults; {"reset": true} starts from none.
          bool reset = doc.as_object().contains("reset");
          set_faults(parse_faults(doc.as_object(), reset ? Faults{} : faults()));
          co_return tmdb_json(200, faults_json(faults()));
        });
  r.add(http::Verb::get, "/sim/stats",
        [this](http::RequestContext&) -> asio::awaitable<http::Reply> {
          auto s = stats();
          co_return tmdb_json(200, json::object{{"calls", s.calls},
                                                {"errors_injected", s.errors_injected},
                                                {"searches", s.searches},
                                                {"details", s.details},
                                                {"configurations", s.configurations},
                                                {"posters", s.posters}});
        });
  impl_->metrics = std::make_unique<HttpMetrics>(r.route_names(), 1);
}

SimServer::~SimServer() {
  stop();
}

Faults SimServer::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

void SimServer::set_faults(const Faults& f) {
  std::lock_guard lock(mutex_);
  faults_ = f;
}

SimStats SimServer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::uint16_t SimServer::start(const std::string& host, std::uint16_t port) {
  impl_->host = host;
  impl_->server = std::make_unique<http::Server>(
      impl_->loops, impl_->router, *impl_->metrics,
      http::ServerOptions{.host = host,
                          .port = port,
                          .body_limit = 1 << 20,
                          .access_log = false,
                          .limits = http::ClientLimitOptions::none()});
  impl_->port = impl_->server->listen();
  impl_->server->start();
  thread_ = std::thread([this] { impl_->loops.run(); });
  return impl_->port;
}

void SimServer::stop() {
  if (!thread_.joinable()) return;
  impl_->loops.stop();
  thread_.join();
}

std::string SimServer::base_url() const {
  return fmt::format(
      "http://{}:{}/3",
      impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host,
      impl_->port);
}

}  // namespace cinestream::tmdb_sim
