#include "cinestream/catalog/catalog_api.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <optional>

#include "cinestream/accounts/auth_middleware.hpp"
#include "cinestream/catalog/film_ids.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::catalog {
namespace asio = boost::asio;
namespace json = boost::json;
using http::Status;

namespace {

constexpr std::size_t kPageSize = 20;
constexpr std::int64_t kMaxPage = 10'000;
constexpr std::size_t kMaxQueryBytes = 100;

CatalogError bad(std::string code, std::string message) {
  return CatalogError(400, std::move(code), message);
}

json::object titles_json(const FilmTitles& t) {
  return {{"original", t.original}, {"en", t.en}, {"uk", t.uk}, {"ru", t.ru}};
}

json::object film_json(const Film& f) {
  json::array genres;
  for (const auto& g : f.genres)
    genres.emplace_back(g);
  json::object o{
      {"id", f.id},
      {"title", titles_json(f.title)},
      {"genres", std::move(genres)},
      {"overview",
       json::object{{"en", f.overview.en}, {"uk", f.overview.ua}, {"ru", f.overview.ru}}},
      {"poster", f.poster_path.empty() ? f.poster_url : f.poster_path},
      {"age_rating", f.age_rating}};
  o["year"] = f.year ? json::value(f.year) : json::value(nullptr);
  o["runtime_minutes"] = f.runtime_minutes ? json::value(f.runtime_minutes) : json::value(nullptr);
  json::object ids;
  if (f.tmdb_id) ids["tmdb"] = f.tmdb_id;
  if (!f.imdb_id.empty()) ids["imdb"] = f.imdb_id;
  o["external_ids"] = std::move(ids);
  o["enrichment"] =
      json::object{{"status", to_string(f.enrichment.status)}, {"source", f.enrichment.source}};
  return o;
}

http::Response reply(Status status, const json::object& doc) {
  auto res = http::json_response(status, http::json_text(doc));
  res.set(boost::beast::http::field::cache_control, "public, max-age=30");
  return res;
}

// A film id from the path: a positive decimal that fits.
std::int64_t film_id_param(const http::RequestContext& ctx, std::string_view name) {
  auto id = http::parse_int_param(ctx.param(name));
  if (!id || *id <= 0) throw CatalogError(404, "movie_not_found", "no film has this id");
  return *id;
}

using Step = std::function<asio::awaitable<http::Response>(http::RequestContext&)>;

// Refusals become their JSON error; anything else goes on to the router's error table. Handlers
// name every argument before a co_await (GCC 12, PR 100611).
http::Handler guarded(Step step) {
  return [step = std::move(step)](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
    std::optional<CatalogError> refusal;
    try {
      co_return co_await step(ctx);
    } catch (const CatalogError& e) {
      refusal = e;
    }
    co_return http::error_response(static_cast<Status>(refusal->status()), refusal->code(),
                                   refusal->what());
  };
}

}  // namespace

void CatalogApi::register_routes(http::Router& router) {
  using V = http::Verb;
  auto& svc = service_;
  auto& opts = options_;
  const auto& activity = activity_;

  router.add(V::get, "/api/catalog/movies",
             guarded([&svc, &opts,
                      &activity](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               FilmQuery q;
               if (auto g = ctx.target.param("genre"); g && !g->empty()) {
                 if (g->size() > 50) throw bad("invalid_query", "'genre' is too long");
                 q.genre = std::string(*g);
               }
               if (auto y = ctx.target.param("year"); y && !y->empty()) {
                 auto n = http::parse_int_param(*y);
                 if (!n || *n < 1870 || *n > 2100)
                   throw bad("invalid_query", "'year' must be a year between 1870 and 2100");
                 q.year = static_cast<int>(*n);
               }
               std::string searched;
               if (auto t = ctx.target.param("q"); t && !t->empty()) {
                 if (t->size() > kMaxQueryBytes) throw bad("invalid_query", "'q' is too long");
                 q.text = film_search_key(*t);
                 searched = std::string(*t);
               }
               std::string city;
               if (auto c = ctx.target.param("playing_in"); c && !c->empty()) {
                 if (!opts.known_city || !opts.known_city(*c))
                   throw bad("unknown_city", "'playing_in' is not a city this site serves");
                 city = std::string(*c);
               }
               std::int64_t page = 1;
               if (auto p = ctx.target.param("page")) {
                 auto n = http::parse_int_param(*p);
                 if (!n || *n < 1 || *n > kMaxPage)
                   throw bad("invalid_query", fmt::format("'page' must be 1..{}", kMaxPage));
                 page = *n;
               }
               q.limit = kPageSize;
               q.offset = static_cast<std::size_t>(page - 1) * kPageSize;
               bool first_page = page == 1;
               auto result = co_await svc.list(std::move(q), std::move(city));
               // A search counts once, when its first page is read (paging is not a new search).
               if (ctx.principal && first_page && !searched.empty()) {
                 activity.note({.user_id = ctx.principal->user_id,
                                .kind = ActivityKind::searched,
                                .film_id = 0,
                                .detail = searched});
               }
               json::array films;
               for (const auto& f : result.films)
                 films.push_back(film_json(f));
               json::object doc{{"movies", std::move(films)},
                                {"page", page},
                                {"page_size", kPageSize},
                                {"total", result.total}};
               co_return reply(Status::ok, doc);
             }));

  router.add(V::get, "/api/catalog/movies/{id}",
             guarded([&svc, &opts,
                      &activity](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto id = film_id_param(ctx, "id");
               std::string city;
               if (auto c = ctx.target.param("city"); c && !c->empty()) {
                 if (!opts.known_city || !opts.known_city(*c))
                   throw bad("unknown_city", "'city' is not a city this site serves");
                 city = std::string(*c);
               }
               auto horizon = opts.horizon;
               auto d = co_await svc.details(id, city, horizon);
               auto doc = film_json(d.film);
               if (d.film.id != id) doc["merged_from"] = id;
               json::array places;
               for (const auto& p : d.places)
                 places.push_back(json::object{{"city", p.city_id},
                                               {"movie_id", p.movie_id},
                                               {"upcoming_showtimes", p.upcoming_showtimes}});
               doc["playing"] = std::move(places);
               if (!city.empty()) {
                 json::array theaters;
                 for (const auto& m : d.in_city) {
                   for (const auto& t : m.theaters) {
                     json::array times;
                     for (const auto& s : t.showtimes)
                       times.push_back(json::object{{"start", format_utc(s.start)},
                                                    {"format", s.format},
                                                    {"language", s.language},
                                                    {"hall", s.hall}});
                     theaters.push_back(json::object{{"name", t.name},
                                                     {"address", t.address},
                                                     {"movie_id", m.id},
                                                     {"showtimes", std::move(times)}});
                   }
                 }
                 doc["city"] = city;
                 doc["theaters"] = std::move(theaters);
               }
               for (const auto& extend : svc.details_extensions()) {
                 auto film_id = d.film.id;
                 co_await extend(film_id, doc);
               }
               if (ctx.principal) {
                 activity.note({.user_id = ctx.principal->user_id,
                                .kind = ActivityKind::viewed_details,
                                .film_id = d.film.id,
                                .detail = {}});
               }
               co_return reply(Status::ok, json::object{{"movie", std::move(doc)}});
             }));

  http::RouteOptions admin;
  admin.body_limit = 4096;
  admin.middleware.push_back(accounts::require(accounts::Permission::manage_catalog));

  router.add(V::post, "/api/admin/catalog/movies/{id}/merge",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto from = film_id_param(ctx, "id");
               boost::system::error_code ec;
               auto body = json::parse(ctx.request.body(), ec);
               const json::value* into = nullptr;
               if (!ec && body.is_object()) into = body.as_object().if_contains("into");
               if (!into || !into->is_int64() || into->as_int64() <= 0)
                 throw bad("invalid_body", "send {\"into\": <film id>}");
               auto target = into->as_int64();
               co_await svc.merge(from, target);
               auto res = http::json_response(
                   Status::ok, http::json_text(json::object{{"merged", from}, {"into", target}}));
               res.set(boost::beast::http::field::cache_control, "no-store");
               co_return res;
             }),
             admin);

  router.add(V::post, "/api/admin/catalog/cities/{city}/movies/{movie_id}/split",
             guarded([&svc, &opts](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto city = std::string(ctx.param("city"));
               if (!opts.known_city || !opts.known_city(city))
                 throw CatalogError(404, "unknown_city", "no such city");
               auto movie = http::parse_int_param(ctx.param("movie_id"));
               if (!movie || *movie <= 0)
                 throw CatalogError(404, "movie_not_found", "no movie has this id");
               auto movie_id = *movie;
               auto film = co_await svc.split(std::move(city), movie_id);
               auto res = http::json_response(
                   Status::ok,
                   http::json_text(json::object{{"movie_id", movie_id}, {"film", film}}));
               res.set(boost::beast::http::field::cache_control, "no-store");
               co_return res;
             }),
             admin);
}

}  // namespace cinestream::catalog
