#include "cinestream/search/search_api.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cinestream/http/json_text.hpp"
#include "cinestream/http/refusal.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::search {
namespace asio = boost::asio;
namespace json = boost::json;
using http::Status;

namespace {

constexpr std::int64_t kMaxLimit = 50;
constexpr std::size_t kSuggestions = 8;

std::string query_param(const http::RequestContext& ctx) {
  auto q = ctx.target.param("q");
  std::string text = q ? std::string(*q) : std::string();
  if (auto problem = validate_query(text)) throw http::bad_request("invalid_query", *problem);
  return text;
}

json::object film_json(const catalog::Film& f) {
  json::array genres;
  for (const auto& g : f.genres)
    genres.emplace_back(g);
  json::object o{{"film_id", f.id},
                 {"title", json::object{{"original", f.title.original},
                                        {"en", f.title.en},
                                        {"uk", f.title.uk},
                                        {"ru", f.title.ru}}},
                 {"genres", std::move(genres)},
                 {"poster", f.poster_path.empty() ? f.poster_url : f.poster_path}};
  o["year"] = f.year ? json::value(f.year) : json::value(nullptr);
  return o;
}

http::Response reply(const json::object& doc) {
  auto res = http::json_response(Status::ok, http::json_text(doc));
  res.set(boost::beast::http::field::cache_control, "public, max-age=60");
  return res;
}

}  // namespace

void SearchApi::register_routes(http::Router& router) {
  using V = http::Verb;
  auto& svc = service_;
  auto& opts = options_;
  const auto& activity = activity_;

  router.add(V::get, "/api/search",
             http::guarded([&svc, &opts, &activity](
                               http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto q = query_param(ctx);
               std::string city;
               if (auto c = ctx.target.param("city"); c && !c->empty()) {
                 if (!opts.known_city || !opts.known_city(*c))
                   throw http::bad_request("unknown_city", "'city' is not a city this site serves");
                 city = std::string(*c);
               }
               std::int64_t limit = 20;
               if (auto l = ctx.target.param("limit"); l && !l->empty()) {
                 auto n = http::parse_int_param(*l);
                 if (!n || *n < 1 || *n > kMaxLimit)
                   throw http::bad_request("invalid_query",
                                           fmt::format("'limit' must be 1..{}", kMaxLimit));
                 limit = *n;
               }
               auto found = co_await svc.search(q, city, static_cast<std::size_t>(limit));
               if (ctx.principal) {
                 activity.note({.user_id = ctx.principal->user_id,
                                .kind = ActivityKind::searched,
                                .film_id = 0,
                                .detail = q});
               }
               json::array results;
               for (const auto& f : found) {
                 auto o = film_json(f.film);
                 if (!city.empty()) o["playing_in_city"] = f.playing_in_city;
                 results.push_back(std::move(o));
               }
               json::object doc{{"query", q}, {"results", std::move(results)}};
               if (!city.empty()) doc["city"] = city;
               co_return reply(doc);
             }));

  router.add(V::get, "/api/search/suggest",
             http::guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto q = query_param(ctx);
               json::array list;
               for (const auto& f : svc.suggest(q, kSuggestions))
                 list.push_back(film_json(f));
               co_return reply(json::object{{"query", q}, {"suggestions", std::move(list)}});
             }));
}

}  // namespace cinestream::search
