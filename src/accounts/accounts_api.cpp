#include "cinestream/accounts/accounts_api.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <initializer_list>

#include "cinestream/accounts/auth_middleware.hpp"
#include "cinestream/accounts/secrets.hpp"
#include "cinestream/http/client_limits.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/signed_cookie.hpp"
#include "cinestream/text/clean_text.hpp"
#include "cinestream/text/encoding.hpp"

namespace cinestream::accounts {
namespace asio = boost::asio;
namespace json = boost::json;
namespace beast_http = boost::beast::http;
using http::Status;
using Kind = AccountError::Kind;

namespace {

constexpr std::size_t kBodyLimit = 8 * 1024;
constexpr std::size_t kMaxFieldBytes = 1024;

Status status_of(Kind k) {
  switch (k) {
    case Kind::invalid:
      return Status::bad_request;
    case Kind::unauthorized:
      return Status::unauthorized;
    case Kind::forbidden:
      return Status::forbidden;
    case Kind::not_found:
      return Status::not_found;
    case Kind::conflict:
      return Status::conflict;
    case Kind::throttled:
      return Status::too_many_requests;
  }
  return Status::bad_request;
}

AccountError bad(std::string code, std::string message) {
  return AccountError(Kind::invalid, std::move(code), std::move(message));
}

// The request's JSON object, holding only `allowed` fields, each string at most kMaxFieldBytes.
json::object body_of(const http::RequestContext& ctx,
                     std::initializer_list<std::string_view> allowed) {
  const auto& body = ctx.request.body();
  if (body.empty()) return {};
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4;
  auto v = json::parse(body, ec, {}, opts);
  if (ec) throw bad("invalid_json", "the body is not valid JSON (UTF-8)");
  if (!v.is_object()) throw bad("invalid_json", "the body must be a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end())
      throw bad("unknown_field",
                fmt::format("unknown field '{}'", clean_text(std::string_view(key), 40)));
    if (value.is_string() && value.as_string().size() > kMaxFieldBytes)
      throw bad("field_too_long", fmt::format("'{}' is too long", std::string_view(key)));
  }
  return std::move(v.as_object());
}

std::optional<std::string> opt_string(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw bad("invalid_field", fmt::format("'{}' must be a string", name));
  return std::string(v->as_string());
}

std::string need_string(const json::object& o, std::string_view name) {
  auto s = opt_string(o, name);
  if (!s) throw bad("missing_field", fmt::format("'{}' is required", name));
  return *s;
}

std::optional<bool> opt_bool(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) throw bad("invalid_field", fmt::format("'{}' must be true or false", name));
  return v->as_bool();
}

bool wants_cookies(const json::object& o) {
  auto mode = opt_string(o, "session").value_or("token");
  if (mode != "token" && mode != "cookie")
    throw bad("invalid_field", "'session' must be \"token\" or \"cookie\"");
  return mode == "cookie";
}

ClientInfo client_of(const http::RequestContext& ctx) {
  ClientInfo c;
  c.address = ctx.remote.to_string();
  auto key = http::client_key(ctx.remote);
  c.client_key = text::hex_encode(std::span<const unsigned char>(key.data(), key.size()));
  c.device = clean_text(ctx.request[beast_http::field::user_agent], 160);
  return c;
}

http::Response json_reply(Status status, const json::object& doc) {
  auto res = http::json_response(status, http::json_text(doc));
  // Personal data and tokens: never stored by a cache on the way.
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

http::Response no_content() {
  http::Response res;
  res.result(Status::no_content);
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

std::string cookie_line(std::string_view name, std::string_view value, std::string_view path,
                        std::chrono::seconds max_age, bool http_only, bool secure) {
  return fmt::format("{}={}; Path={}; Max-Age={}; SameSite=Lax{}{}", name, value, path,
                     max_age.count(), http_only ? "; HttpOnly" : "", secure ? "; Secure" : "");
}

void set_session_cookies(http::Response& res, const SignedIn& s, const AccountsOptions& o,
                         bool secure) {
  res.insert(beast_http::field::set_cookie,
             cookie_line(kAccessCookie, s.access_token, "/api", o.access_lifetime, true, secure));
  res.insert(
      beast_http::field::set_cookie,
      cookie_line(kRefreshCookie, s.refresh_token, "/api/auth", o.refresh_lifetime, true, secure));
  // Readable by the page, which echoes it in X-CSRF-Token (double submit).
  res.insert(beast_http::field::set_cookie,
             cookie_line(kCsrfCookie, random_token(18), "/", o.refresh_lifetime, false, secure));
}

void clear_session_cookies(http::Response& res, bool secure) {
  res.insert(beast_http::field::set_cookie,
             cookie_line(kAccessCookie, "", "/api", std::chrono::seconds(0), true, secure));
  res.insert(beast_http::field::set_cookie,
             cookie_line(kRefreshCookie, "", "/api/auth", std::chrono::seconds(0), true, secure));
  res.insert(beast_http::field::set_cookie,
             cookie_line(kCsrfCookie, "", "/", std::chrono::seconds(0), false, secure));
}

http::Response signed_in_reply(Status status, const SignedIn& s, bool cookies,
                               const AccountsOptions& o, bool secure) {
  json::object doc{{"user", user_json(s.user)},
                   {"session_id", s.session.id},
                   {"expires_in", o.access_lifetime.count()}};
  if (!cookies) {
    doc["access_token"] = s.access_token;
    doc["token_type"] = "Bearer";
    doc["refresh_token"] = s.refresh_token;
  }
  auto res = json_reply(status, doc);
  if (cookies) set_session_cookies(res, s, o, secure);
  return res;
}

// The refresh token from the body (API clients) or the cookie (pages, with the CSRF token).
std::string refresh_token_of(const http::RequestContext& ctx, const json::object& body,
                             bool& from_cookie) {
  from_cookie = false;
  if (auto t = opt_string(body, "refresh_token")) return *t;
  if (auto c = http::find_cookie(ctx.request, kRefreshCookie)) {
    if (!csrf_token_matches(ctx))
      throw AccountError(Kind::forbidden, "csrf_token_invalid",
                         "send the X-CSRF-Token header with the cs_csrf cookie's value");
    from_cookie = true;
    return std::string(*c);
  }
  return {};
}

using Step = std::function<asio::awaitable<http::Response>(http::RequestContext&)>;

// Handlers name every argument before a co_await (GCC 12 destroys non-trivial temporaries of a
// co_await full-expression twice, PR 100611). Service refusals become their JSON error; anything
// else goes on to the router's error table.
http::Handler guarded(Step step) {
  return [step = std::move(step)](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
    std::optional<AccountError> refusal;
    try {
      co_return co_await step(ctx);
    } catch (const AccountError& e) {
      refusal = e;
    }
    auto res = http::error_response(status_of(refusal->kind()), refusal->code(), refusal->what());
    if (refusal->retry_after().count() > 0)
      res.set(beast_http::field::retry_after, std::to_string(refusal->retry_after().count()));
    if (refusal->kind() == Kind::unauthorized)
      res.set(beast_http::field::www_authenticate, "Bearer");
    co_return res;
  };
}

const http::Principal& me(const http::RequestContext& ctx) {
  return *ctx.principal;
}

}  // namespace

void AccountsApi::register_routes(http::Router& router) {
  auto& svc = service_;
  const AccountsOptions& opts = service_.options();
  using V = http::Verb;
  // Anonymous routes (most cost a bcrypt) are limited per client beyond the API's limit; `share`
  // scales the configured rate for routes used more (refresh) or less (reset mail).
  auto anonymous = [&opts](double share) {
    http::RouteOptions o;
    o.body_limit = kBodyLimit;
    if (opts.auth_rate_per_minute > 0)
      o.rate_limit = http::RouteRateLimit{opts.auth_rate_per_minute * share / 60, 10};
    return o;
  };
  auto signed_in = [](Permission p = Permission::use_account) {
    http::RouteOptions o;
    o.body_limit = kBodyLimit;
    o.middleware.push_back(require(p));
    return o;
  };

  router.add(
      V::post, "/api/auth/register",
      guarded([&svc, &opts](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
        auto b =
            body_of(ctx, {"email", "password", "display_name", "lang", "home_city", "session"});
        bool cookies = wants_cookies(b);
        RegisterInput in{need_string(b, "email"), need_string(b, "password"),
                         need_string(b, "display_name"), opt_string(b, "lang").value_or("uk"),
                         opt_string(b, "home_city").value_or("")};
        auto client = client_of(ctx);
        auto s = co_await svc.register_account(std::move(in), std::move(client));
        co_return signed_in_reply(Status::created, s, cookies, opts, ctx.secure);
      }),
      anonymous(0.5));

  router.add(V::post, "/api/auth/login",
             guarded([&svc, &opts](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"email", "password", "session"});
               bool cookies = wants_cookies(b);
               auto email = need_string(b, "email");
               auto password = need_string(b, "password");
               auto client = client_of(ctx);
               auto s =
                   co_await svc.sign_in(std::move(email), std::move(password), std::move(client));
               co_return signed_in_reply(Status::ok, s, cookies, opts, ctx.secure);
             }),
             anonymous(1));

  router.add(V::post, "/api/auth/refresh",
             guarded([&svc, &opts](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"refresh_token"});
               bool from_cookie = false;
               auto token = refresh_token_of(ctx, b, from_cookie);
               auto client = client_of(ctx);
               auto s = co_await svc.refresh(std::move(token), std::move(client));
               co_return signed_in_reply(Status::ok, s, from_cookie, opts, ctx.secure);
             }),
             anonymous(2));

  router.add(V::post, "/api/auth/logout",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"refresh_token"});
               bool from_cookie = false;
               auto token = refresh_token_of(ctx, b, from_cookie);
               co_await svc.sign_out(std::move(token));
               auto res = no_content();
               clear_session_cookies(res, ctx.secure);
               co_return res;
             }),
             anonymous(2));

  router.add(V::post, "/api/auth/logout-all",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               body_of(ctx, {});
               auto user_id = me(ctx).user_id;
               auto n = co_await svc.sign_out_everywhere(std::move(user_id));
               auto res = json_reply(Status::ok, {{"revoked_sessions", n}});
               clear_session_cookies(res, ctx.secure);
               co_return res;
             }),
             signed_in());

  router.add(V::post, "/api/auth/verify-email",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"token"});
               auto token = need_string(b, "token");
               co_await svc.verify_email(std::move(token));
               co_return json_reply(Status::ok, {{"email_verified", true}});
             }),
             anonymous(1));

  router.add(V::post, "/api/auth/resend-verification",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               body_of(ctx, {});
               auto user_id = me(ctx).user_id;
               co_await svc.resend_verification(std::move(user_id));
               co_return json_reply(Status::accepted, {{"status", "sent"}});
             }),
             [&] {
               auto o = signed_in();
               if (opts.auth_rate_per_minute > 0) o.rate_limit = http::RouteRateLimit{0.05, 3};
               return o;
             }());

  router.add(V::post, "/api/auth/forgot-password",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"email"});
               auto email = need_string(b, "email");
               auto client = client_of(ctx);
               co_await svc.forgot_password(std::move(email), std::move(client));
               // The same answer whether or not the address has an account.
               co_return json_reply(
                   Status::accepted,
                   {{"status", "if an account uses this address, a link is on its way"}});
             }),
             anonymous(0.25));

  router.add(V::post, "/api/auth/reset-password",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"token", "password"});
               auto token = need_string(b, "token");
               auto password = need_string(b, "password");
               auto client = client_of(ctx);
               co_await svc.reset_password(std::move(token), std::move(password),
                                           std::move(client));
               auto res = json_reply(Status::ok, {{"status", "password changed; sign in again"}});
               clear_session_cookies(res, ctx.secure);
               co_return res;
             }),
             anonymous(0.5));

  router.add(V::get, "/api/me",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto user_id = me(ctx).user_id;
               auto user = co_await svc.profile(std::move(user_id));
               co_return json_reply(Status::ok, {{"user", user_json(user)}});
             }),
             signed_in());

  router.add(V::patch, "/api/me",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"display_name", "lang", "home_city", "notifications"});
               ProfilePatch p;
               p.display_name = opt_string(b, "display_name");
               p.lang = opt_string(b, "lang");
               p.home_city = opt_string(b, "home_city");
               if (auto* n = b.if_contains("notifications")) {
                 if (!n->is_object())
                   throw bad("invalid_field", "'notifications' must be an object");
                 for (const auto& [key, value] : n->as_object()) {
                   (void)value;
                   if (key != "film_in_my_city" && key != "newsletter")
                     throw bad("unknown_field", "notifications: film_in_my_city, newsletter");
                 }
                 p.notify_film_in_my_city = opt_bool(n->as_object(), "film_in_my_city");
                 p.notify_newsletter = opt_bool(n->as_object(), "newsletter");
               }
               auto user_id = me(ctx).user_id;
               auto user = co_await svc.update_profile(std::move(user_id), std::move(p));
               co_return json_reply(Status::ok, {{"user", user_json(user)}});
             }),
             signed_in());

  router.add(V::delete_, "/api/me",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"password"});
               auto user_id = me(ctx).user_id;
               auto password = need_string(b, "password");
               co_await svc.delete_account(std::move(user_id), std::move(password));
               auto res = no_content();
               clear_session_cookies(res, ctx.secure);
               co_return res;
             }),
             signed_in());

  router.add(V::post, "/api/me/password",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"current_password", "new_password"});
               auto user_id = me(ctx).user_id;
               auto current = need_string(b, "current_password");
               auto next = need_string(b, "new_password");
               auto keep = me(ctx).session_id;
               auto client = client_of(ctx);
               co_await svc.change_password(std::move(user_id), std::move(current), std::move(next),
                                            std::move(keep), std::move(client));
               co_return no_content();
             }),
             signed_in());

  router.add(V::get, "/api/me/sessions",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto user_id = me(ctx).user_id;
               auto sessions = co_await svc.sessions(std::move(user_id));
               json::array list;
               for (const auto& s : sessions)
                 list.push_back(session_json(s, me(ctx).session_id));
               co_return json_reply(Status::ok, {{"sessions", std::move(list)}});
             }),
             signed_in());

  router.add(V::delete_, "/api/me/sessions/{id}",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto user_id = me(ctx).user_id;
               auto session_id = std::string(ctx.param("id"));
               co_await svc.revoke_session(std::move(user_id), std::move(session_id));
               co_return no_content();
             }),
             signed_in());

  router.add(V::get, "/api/me/export",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto user_id = me(ctx).user_id;
               auto doc = co_await svc.export_account(std::move(user_id));
               auto res = json_reply(Status::ok, doc);
               res.set(beast_http::field::content_disposition,
                       "attachment; filename=\"cinestream-account.json\"");
               co_return res;
             }),
             signed_in());

  router.add(V::get, "/api/admin/users",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto number = [&](std::string_view name, std::size_t fallback, std::size_t max) {
                 auto text = ctx.target.param(name);
                 if (!text) return fallback;
                 auto n = http::parse_int_param(*text);
                 if (!n || *n < 0 || static_cast<std::size_t>(*n) > max)
                   throw bad("invalid_query", fmt::format("'{}' must be 0..{}", name, max));
                 return static_cast<std::size_t>(*n);
               };
               auto offset = number("offset", 0, 1'000'000);
               auto limit = number("limit", 50, 200);
               auto users = co_await svc.list_users(offset, limit);
               json::array list;
               for (const auto& u : users)
                 list.push_back(user_json(u));
               co_return json_reply(Status::ok, {{"users", std::move(list)}});
             }),
             signed_in(Permission::view_users));

  router.add(V::patch, "/api/admin/users/{id}",
             guarded([&svc](http::RequestContext& ctx) -> asio::awaitable<http::Response> {
               auto b = body_of(ctx, {"role", "disabled"});
               std::optional<Role> role;
               if (auto r = opt_string(b, "role")) {
                 role = parse_role(*r);
                 if (!role) throw bad("invalid_role", "role: customer, staff, manager or admin");
               }
               auto actor = me(ctx).user_id;
               auto target = std::string(ctx.param("id"));
               auto disabled = opt_bool(b, "disabled");
               auto client = client_of(ctx);
               auto user = co_await svc.change_user(std::move(actor), std::move(target), role,
                                                    disabled, std::move(client));
               co_return json_reply(Status::ok, {{"user", user_json(user)}});
             }),
             signed_in(Permission::manage_users));
}

}  // namespace cinestream::accounts
