#include "cinestream/library/library_api.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <optional>

#include "cinestream/accounts/auth_middleware.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/refusal.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::library {
namespace asio = boost::asio;
namespace json = boost::json;
using http::Status;

namespace {

SysSeconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

using http::guarded;
using http::Refusal;

Refusal bad(std::string code, std::string message) {
  return http::bad_request(std::move(code), std::move(message));
}

http::Response json_reply(Status status, const json::object& doc) {
  auto res = http::json_response(status, http::json_text(doc));
  res.set(boost::beast::http::field::cache_control, "no-store");  // personal data
  return res;
}

// The request's JSON object (empty when there is no body), with only `allowed` fields.
json::object body_of(const http::RequestContext& ctx,
                     std::initializer_list<std::string_view> allowed) {
  const auto& body = ctx.request.body();
  if (body.empty()) return {};
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4;
  auto v = json::parse(body, ec, {}, opts);
  if (ec || !v.is_object()) throw bad("invalid_json", "the body must be a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end())
      throw bad("unknown_field", "unknown field in the body");
  }
  return std::move(v.as_object());
}

// A rating of 0.5 to 5.0 in half steps, as half stars 1..10.
int half_stars_of(const json::object& body) {
  auto* v = body.if_contains("rating");
  if (!v) throw bad("missing_field", "'rating' is required");
  double r = 0;
  if (v->is_int64()) {
    r = static_cast<double>(v->as_int64());
  } else if (v->is_uint64()) {
    r = static_cast<double>(v->as_uint64());
  } else if (v->is_double()) {
    r = v->as_double();
  } else {
    throw bad("invalid_rating", "'rating' must be a number from 0.5 to 5 in steps of 0.5");
  }
  double halves = r * 2;
  if (!std::isfinite(r) || halves < 1 || halves > 10 || halves != std::floor(halves))
    throw bad("invalid_rating", "'rating' must be a number from 0.5 to 5 in steps of 0.5");
  return static_cast<int>(halves);
}

std::string iso(SysSeconds t) {
  return format_utc(t);
}

}  // namespace

json::object library_json(const Library& lib) {
  json::array ratings;
  for (const auto& r : lib.ratings)
    ratings.push_back(json::object{
        {"film_id", r.film_id}, {"rating", r.half_stars / 2.0}, {"rated_at", iso(r.at)}});
  json::object out{{"ratings", std::move(ratings)}};
  for (auto kind : {MarkKind::watchlist, MarkKind::seen, MarkKind::hidden}) {
    json::array list;
    for (const auto& m : lib.marks) {
      if (m.kind != kind) continue;
      json::object o{{"film_id", m.film_id}, {"added_at", iso(m.at)}};
      if (kind == MarkKind::seen)
        o["watched_on"] = m.watched_on.empty() ? json::value(nullptr) : json::value(m.watched_on);
      list.push_back(std::move(o));
    }
    out[to_string(kind)] = std::move(list);
  }
  return out;
}

json::object rating_json(const RatingSummary& sum) {
  json::object doc{{"count", sum.count}};
  doc["average"] = sum.count > 0 ? json::value(std::round(static_cast<double>(sum.half_star_sum) /
                                                          static_cast<double>(sum.count) * 5.0) /
                                               10.0)
                                 : json::value(nullptr);
  return doc;
}

void LibraryApi::register_routes(http::Router& router) {
  using V = http::Verb;
  auto store = store_;
  auto& films = films_;
  const auto& activity = activity_;

  http::RouteOptions signed_in;
  signed_in.body_limit = 1024;
  signed_in.middleware.push_back(accounts::require(accounts::Permission::use_account));

  // The catalogue film a path names, as it is now (a merged film's id gives the film it joined).
  auto current_film = [&films](std::optional<std::int64_t> id) -> asio::awaitable<std::int64_t> {
    std::optional<std::int64_t> current;
    if (id && *id > 0) {
      auto wanted = *id;
      current = co_await films.current_id(wanted);
    }
    if (!current) throw Refusal{Status::not_found, "movie_not_found", "no film has this id"};
    co_return *current;
  };
  auto film_of = [current_film](const http::RequestContext& ctx) {
    return current_film(http::parse_int_param(ctx.param("film_id")));
  };

  router.add(
      V::put, "/api/me/ratings/{film_id}",
      guarded([store, film_of](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto half_stars = half_stars_of(body_of(ctx, {"rating"}));
        auto film = co_await film_of(ctx);
        auto user = ctx.principal->user_id;
        auto write = [user, film, half_stars](LibraryRepository& r) {
          return r.rate(user, film, half_stars, now_seconds());
        };
        auto s = store;
        co_await s.call(write);
        co_return json_reply(Status::ok, {{"film_id", film}, {"rating", half_stars / 2.0}});
      }),
      signed_in);

  router.add(
      V::delete_, "/api/me/ratings/{film_id}",
      guarded([store, film_of](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto film = co_await film_of(ctx);
        auto user = ctx.principal->user_id;
        auto write = [user, film](LibraryRepository& r) { return r.unrate(user, film); };
        auto s = store;
        auto removed = co_await s.call(write);
        co_return json_reply(Status::ok, {{"film_id", film}, {"removed", removed}});
      }),
      signed_in);

  for (auto kind : {MarkKind::watchlist, MarkKind::seen, MarkKind::hidden}) {
    auto path = fmt::format("/api/me/{}/{{film_id}}", to_string(kind));
    router.add(V::put, path,
               guarded([store, film_of,
                        kind](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
                 auto body =
                     kind == MarkKind::seen ? body_of(ctx, {"watched_on"}) : body_of(ctx, {});
                 std::string watched_on;
                 if (auto* w = body.if_contains("watched_on"); w && !w->is_null()) {
                   if (!w->is_string() || !parse_iso_date(w->as_string()))
                     throw bad("invalid_date", "'watched_on' must be a date, YYYY-MM-DD");
                   watched_on = std::string(w->as_string());
                 }
                 auto film = co_await film_of(ctx);
                 auto user = ctx.principal->user_id;
                 auto write = [user, film, kind, watched_on](LibraryRepository& r) {
                   return r.mark(user, film, kind, watched_on, now_seconds());
                 };
                 auto s = store;
                 auto added = co_await s.call(write);
                 co_return json_reply(Status::ok, {{"film_id", film}, {"added", added}});
               }),
               signed_in);
    router.add(V::delete_, path,
               guarded([store, film_of,
                        kind](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
                 auto film = co_await film_of(ctx);
                 auto user = ctx.principal->user_id;
                 auto write = [user, film, kind](LibraryRepository& r) {
                   return r.unmark(user, film, kind);
                 };
                 auto s = store;
                 auto removed = co_await s.call(write);
                 co_return json_reply(Status::ok, {{"film_id", film}, {"removed", removed}});
               }),
               signed_in);
  }

  // Only what the server cannot see for itself: details, searches and calendar exports are
  // noted by their own routes, so a page cannot report them twice.
  http::RouteOptions noted = signed_in;
  noted.rate_limit = http::RouteRateLimit{.per_second = 2, .burst = 30};
  router.add(V::post, "/api/me/activity",
             guarded([&activity,
                      current_film](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto body = body_of(ctx, {"kind", "film_id"});
               auto* kind = body.if_contains("kind");
               if (!kind || !kind->is_string() || kind->as_string() != "opened_showtimes")
                 throw bad("invalid_kind", "'kind' must be \"opened_showtimes\"");
               auto* id = body.if_contains("film_id");
               if (!id || !id->is_int64() || id->as_int64() <= 0)
                 throw bad("invalid_film_id", "'film_id' must be a film id");
               std::optional<std::int64_t> wanted = id->as_int64();
               auto film = co_await current_film(wanted);
               activity.note({.user_id = ctx.principal->user_id,
                              .kind = ActivityKind::opened_showtimes,
                              .film_id = film,
                              .detail = {}});
               http::Response res;
               res.result(Status::no_content);
               res.set(boost::beast::http::field::cache_control, "no-store");
               co_return res;
             }),
             noted);

  router.add(V::get, "/api/me/library",
             guarded([store](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto user = ctx.principal->user_id;
               auto read = [user](LibraryRepository& r) { return r.library(user); };
               auto s = store;
               auto lib = co_await s.call(read);
               co_return json_reply(Status::ok, library_json(lib));
             }),
             signed_in);

  router.add(
      V::get, "/api/ratings/{film_id}",
      guarded([store, film_of](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto film = co_await film_of(ctx);
        auto read = [film](LibraryRepository& r) { return r.summary(film); };
        auto s = store;
        auto sum = co_await s.call(read);
        auto doc = rating_json(sum);
        doc["film_id"] = film;
        auto res = http::json_response(Status::ok, http::json_text(doc));
        res.set(boost::beast::http::field::cache_control, "public, max-age=30");
        co_return res;
      }));
}

}  // namespace cinestream::library
