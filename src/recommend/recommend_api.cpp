#include "cinestream/recommend/recommend_api.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/refusal.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::recommend {
namespace asio = boost::asio;
namespace json = boost::json;
using http::Status;

namespace {

constexpr std::int64_t kMaxDays = 14;
constexpr std::int64_t kMaxLimit = 50;

std::int64_t int_param(const http::RequestContext& ctx, std::string_view key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
  auto raw = ctx.target.param(key);
  if (!raw || raw->empty()) return fallback;
  auto n = http::parse_int_param(*raw);
  if (!n || *n < min || *n > max)
    throw http::bad_request("invalid_query", fmt::format("'{}' must be {}..{}", key, min, max));
  return *n;
}

std::string city_param(const http::RequestContext& ctx, const RecommendApiOptions& opts,
                       bool required) {
  auto c = ctx.target.param("city");
  if (!c || c->empty()) {
    if (required) throw http::bad_request("invalid_query", "'city' is required");
    return {};
  }
  if (!opts.known_city || !opts.known_city(*c))
    throw http::bad_request("unknown_city", "'city' is not a city this site serves");
  return std::string(*c);
}

json::object titles_json(const MovieTitles& t) {
  return {{"en", t.en}, {"uk", t.ua}, {"ru", t.ru}, {"local", t.local}};
}

json::object reason_json(const Reason& r, const CityPicks& picks) {
  json::object o{{"kind", to_string(r.kind)}};
  if (r.film == 0) return o;
  o["film_id"] = r.film;
  for (const auto& f : picks.reason_films) {
    if (f.id != r.film) continue;
    o["title"] = json::object{
        {"original", f.title.original}, {"en", f.title.en}, {"uk", f.title.uk}, {"ru", f.title.ru}};
  }
  return o;
}

json::object picks_json(const CityPicks& picks) {
  json::array list;
  for (const auto& p : picks.picks) {
    json::array next;
    for (const auto& n : p.next)
      next.push_back(json::object{{"start", format_utc(n.start)},
                                  {"theater", n.theater},
                                  {"format", n.format},
                                  {"language", n.language},
                                  {"hall", n.hall}});
    list.push_back(json::object{
        {"film_id", p.suggestion.film},
        {"movie_id", p.movie.id},
        {"title", titles_json(p.movie.title)},
        {"poster", p.movie.image_path.empty() ? p.movie.image_url : p.movie.image_path},
        {"score", p.suggestion.score},
        {"reason", reason_json(p.suggestion.reason, picks)},
        {"next_showtimes", std::move(next)}});
  }
  return {{"strategy", to_string(picks.strategy)}, {"recommendations", std::move(list)}};
}

http::Response reply(json::object doc) {
  auto res = http::json_response(Status::ok, http::json_text(doc));
  // Personal for a signed-in visitor, and it follows their ratings: never stored by a cache.
  res.set(boost::beast::http::field::cache_control, "private, no-store");
  return res;
}

}  // namespace

void RecommendApi::register_routes(http::Router& router) {
  using V = http::Verb;
  auto& svc = service_;
  auto& opts = options_;

  router.add(
      V::get, "/api/recommendations",
      http::guarded([&svc, &opts](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto city = city_param(ctx, opts, true);
        auto days = int_param(ctx, "days", 3, 1, kMaxDays);
        auto limit = int_param(ctx, "limit", 10, 1, kMaxLimit);
        std::optional<std::string> user;
        if (ctx.principal) user = ctx.principal->user_id;
        auto picks = co_await svc.for_city(std::move(user), city, static_cast<int>(days),
                                           static_cast<std::size_t>(limit));
        auto doc = picks_json(picks);
        doc["city"] = city;
        doc["days"] = days;
        doc["personal"] = ctx.principal.has_value();
        co_return reply(std::move(doc));
      }));

  router.add(
      V::get, "/api/recommendations/similar/{id}",
      http::guarded([&svc, &opts](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto id = http::parse_int_param(ctx.param("id"));
        if (!id || *id <= 0)
          throw http::Refusal{Status::not_found, "movie_not_found", "no film has this id"};
        auto film = *id;
        auto city = city_param(ctx, opts, true);
        auto days = int_param(ctx, "days", 14, 1, kMaxDays);
        auto limit = int_param(ctx, "limit", 10, 1, kMaxLimit);
        std::optional<CityPicks> picks;
        try {
          picks = co_await svc.similar(film, city, static_cast<int>(days),
                                       static_cast<std::size_t>(limit));
        } catch (const catalog::CatalogError& e) {
          throw http::Refusal{static_cast<Status>(e.status()), e.code(), e.what()};
        }
        auto doc = picks_json(*picks);
        doc["film_id"] = film;
        doc["city"] = city;
        co_return reply(std::move(doc));
      }));
}

}  // namespace cinestream::recommend
