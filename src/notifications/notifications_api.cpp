#include "cinestream/notifications/notifications_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <functional>
#include <optional>

#include "cinestream/accounts/auth_middleware.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/refusal.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::notifications {
namespace asio = boost::asio;
namespace json = boost::json;
using http::Status;

namespace {

constexpr std::int64_t kDefaultLimit = 20;
constexpr std::int64_t kMaxLimit = 100;
constexpr std::size_t kMaxIds = 100;

SysSeconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

using http::guarded;

http::Response json_reply(const json::object& doc) {
  auto res = http::json_response(Status::ok, http::json_text(doc));
  res.set(boost::beast::http::field::cache_control, "no-store");  // personal data
  return res;
}

json::object body_object(const http::RequestContext& ctx) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4;
  auto v = json::parse(ctx.request.body(), ec, {}, opts);
  if (ec || !v.is_object())
    throw http::bad_request("invalid_json", "the body must be a JSON object");
  return std::move(v.as_object());
}

// A notice id as the API writes it: a positive decimal in a string.
std::optional<std::int64_t> notice_id_of(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

bool flag_of(std::string_view key, const json::value& v) {
  if (!v.is_bool())
    throw http::bad_request("invalid_field", fmt::format("'{}' must be true or false", key));
  return v.as_bool();
}

std::int64_t int_query(const http::RequestContext& ctx, std::string_view key, std::int64_t min,
                       std::int64_t max, std::int64_t fallback) {
  auto p = ctx.target.param(key);
  if (!p || p->empty()) return fallback;
  auto n = http::parse_int_param(*p);
  if (!n || *n < min || *n > max)
    throw http::bad_request("invalid_query", fmt::format("'{}' must be {}..{}", key, min, max));
  return *n;
}

}  // namespace

json::object notice_json(const Notice& n, const catalog::Film* film) {
  catalog::FilmTitles t = film ? film->title : catalog::FilmTitles{};
  return {
      {"id", std::to_string(n.id)},
      {"kind", n.kind},
      {"film_id", n.film_id},
      {"city", n.city},
      {"title", json::object{{"original", t.original}, {"en", t.en}, {"uk", t.uk}, {"ru", t.ru}}},
      {"created_at", format_utc(n.created_at)},
      {"read", n.read_at.has_value()}};
}

json::object settings_json(const Settings& s) {
  json::array cities;
  for (const auto& c : s.followed_cities)
    cities.emplace_back(c);
  return {{"in_app", s.in_app},
          {"push", s.push},
          {"email_digest", s.email_digest},
          {"followed_cities", std::move(cities)}};
}

void NotificationsApi::register_routes(http::Router& router) {
  using V = http::Verb;
  auto store = store_;
  auto known_city = known_city_;

  http::RouteOptions signed_in;
  signed_in.body_limit = 4096;
  signed_in.middleware.push_back(accounts::require(accounts::Permission::use_account));

  router.add(V::get, "/api/me/notifications",
             guarded([store](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               bool unread = false;
               if (auto u = ctx.target.param("unread"); u && !u->empty()) {
                 if (*u == "1" || *u == "true") {
                   unread = true;
                 } else if (*u != "0" && *u != "false") {
                   throw http::bad_request("invalid_query", "'unread' must be 1 or 0");
                 }
               }
               auto limit = int_query(ctx, "limit", 1, kMaxLimit, kDefaultLimit);
               std::int64_t before = 0;
               if (auto b = ctx.target.param("before"); b && !b->empty()) {
                 auto id = notice_id_of(*b);
                 if (!id) throw http::bad_request("invalid_query", "'before' must be a notice id");
                 before = *id;
               }
               auto user = ctx.principal->user_id;
               auto read = [user, unread, before, limit](NotificationsApiStore& s) {
                 auto page =
                     s.notices->notices(user, unread, before, static_cast<std::size_t>(limit));
                 std::unordered_map<std::int64_t, std::optional<catalog::Film>> films;
                 json::array list;
                 for (const auto& n : page.notices) {
                   auto it = films.find(n.film_id);
                   if (it == films.end())
                     it = films.emplace(n.film_id, s.films->find(n.film_id)).first;
                   list.push_back(notice_json(n, it->second ? &*it->second : nullptr));
                 }
                 return json::object{{"notifications", std::move(list)}, {"unread", page.unread}};
               };
               auto s = store;
               auto doc = co_await s.call(read);
               co_return json_reply(doc);
             }),
             signed_in);

  router.add(
      V::post, "/api/me/notifications/read",
      guarded([store](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto body = body_object(ctx);
        bool all = false;
        std::vector<std::int64_t> ids;
        for (const auto& [key, value] : body) {
          if (key == "all") {
            if (!value.is_bool())
              throw http::bad_request("invalid_field", "'all' must be true or false");
            all = value.as_bool();
          } else if (key == "ids") {
            if (!value.is_array() || value.as_array().size() > kMaxIds)
              throw http::bad_request(
                  "invalid_field", fmt::format("'ids' must be a list of at most {} ids", kMaxIds));
            for (const auto& id : value.as_array()) {
              auto parsed = id.is_string() ? notice_id_of(id.as_string()) : std::nullopt;
              if (!parsed)
                throw http::bad_request("invalid_field", "each id must be a notice id string");
              ids.push_back(*parsed);
            }
          } else {
            throw http::bad_request("unknown_field", "unknown field in the body");
          }
        }
        if (!all && ids.empty() && !body.contains("ids"))
          throw http::bad_request("missing_field", "'ids' or 'all' is required");
        auto user = ctx.principal->user_id;
        // Another user's ids match nothing: they are treated as unknown.
        auto write = [user, all, ids](NotificationsApiStore& s) {
          return all ? s.notices->mark_all_read(user, now_seconds())
                     : s.notices->mark_read(user, ids, now_seconds());
        };
        auto s = store;
        co_await s.call(write);
        http::Response res;
        res.result(Status::no_content);
        res.set(boost::beast::http::field::cache_control, "no-store");
        co_return res;
      }),
      signed_in);

  router.add(V::get, "/api/me/notification-settings",
             guarded([store](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto user = ctx.principal->user_id;
               auto read = [user](NotificationsApiStore& s) { return s.notices->settings(user); };
               auto s = store;
               auto settings = co_await s.call(read);
               co_return json_reply(settings_json(settings));
             }),
             signed_in);

  router.add(
      V::put, "/api/me/notification-settings",
      guarded([store, known_city](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto body = body_object(ctx);
        // Everything is checked before the read-modify-write; a refusal writes nothing.
        std::optional<bool> in_app, push, email_digest;
        std::optional<std::vector<std::string>> cities;
        for (const auto& [key, value] : body) {
          if (key == "in_app") {
            in_app = flag_of(std::string_view(key), value);
          } else if (key == "push") {
            push = flag_of(std::string_view(key), value);
          } else if (key == "email_digest") {
            email_digest = flag_of(std::string_view(key), value);
          } else if (key == "followed_cities") {
            if (!value.is_array() || value.as_array().size() > kMaxFollowedCities)
              throw http::bad_request(
                  "invalid_field",
                  fmt::format("'followed_cities' must be a list of at most {} city ids",
                              kMaxFollowedCities));
            cities.emplace();
            for (const auto& c : value.as_array()) {
              if (!c.is_string() || c.as_string().empty() || c.as_string().size() > 64)
                throw http::bad_request("invalid_field", "each followed city must be a city id");
              std::string id(c.as_string());
              if (known_city && !known_city(id))
                throw http::bad_request("unknown_city", fmt::format("unknown city '{}'", id));
              if (std::find(cities->begin(), cities->end(), id) == cities->end())
                cities->push_back(std::move(id));
            }
          } else {
            throw http::bad_request("unknown_field", "unknown field in the body");
          }
        }
        auto user = ctx.principal->user_id;
        auto write = [user, in_app, push, email_digest, cities](NotificationsApiStore& s) {
          auto current = s.notices->settings(user);
          if (in_app) current.in_app = *in_app;
          if (push) current.push = *push;
          if (email_digest) current.email_digest = *email_digest;
          if (cities) current.followed_cities = *cities;
          s.notices->save_settings(user, current, now_seconds());
          return current;
        };
        auto s = store;
        auto saved = co_await s.call(write);
        co_return json_reply(settings_json(saved));
      }),
      signed_in);
}

}  // namespace cinestream::notifications
