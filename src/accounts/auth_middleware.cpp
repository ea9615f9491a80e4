#include "cinestream/accounts/auth_middleware.hpp"

#include <openssl/crypto.h>

#include <chrono>

#include "cinestream/http/signed_cookie.hpp"

namespace cinestream::accounts {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
namespace {

bool is_unsafe(beast_http::verb v) {
  return v != beast_http::verb::get && v != beast_http::verb::head &&
         v != beast_http::verb::options;
}

http::Response unauthorized(std::string_view code, std::string_view message) {
  auto res = http::error_response(http::Status::unauthorized, code, message);
  res.set(beast_http::field::www_authenticate,
          code == "unauthenticated" ? "Bearer" : "Bearer error=\"invalid_token\"");
  return res;
}

std::string_view failure_message(std::string_view code) {
  if (code == "token_expired") return "the access token has expired; refresh it";
  if (code == "unauthenticated") return "sign in first";
  return "the access token is not valid";
}

}  // namespace

bool csrf_token_matches(const http::RequestContext& ctx) {
  auto sent = ctx.request[kCsrfHeader];
  auto expected = http::find_cookie(ctx.request, kCsrfCookie);
  return expected && !expected->empty() && sent.size() == expected->size() &&
         CRYPTO_memcmp(sent.data(), expected->data(), sent.size()) == 0;
}

http::Middleware authenticate(const KeyRing& keys) {
  return [&keys](http::RequestContext& ctx, http::Next next) -> asio::awaitable<http::Reply> {
    std::string_view token;
    bool from_cookie = false;
    auto authorization = ctx.request[beast_http::field::authorization];
    if (!authorization.empty()) {
      // RFC 6750: the scheme is case-insensitive; anything else than Bearer is not ours.
      if (authorization.size() > 7 &&
          (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
        token = authorization.substr(7);
      } else {
        ctx.auth_failure = "token_malformed";
      }
    } else if (auto c = http::find_cookie(ctx.request, kAccessCookie)) {
      token = *c;
      from_cookie = true;
    }
    if (!token.empty()) {
      auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
      auto verified = verify_access_token(token, keys, now);
      if (!verified.claims) {
        ctx.auth_failure = token_error_code(verified.error);
      } else if (from_cookie && is_unsafe(ctx.request.method()) && !csrf_token_matches(ctx)) {
        co_return http::error_response(
            http::Status::forbidden, "csrf_token_invalid",
            "send the X-CSRF-Token header with the cs_csrf cookie's value");
      } else {
        ctx.principal = http::Principal{std::move(verified.claims->subject),
                                        std::string(role_name(verified.claims->role)),
                                        std::move(verified.claims->session_id), from_cookie};
      }
    }
    co_return co_await next();
  };
}

http::Middleware require(Permission permission) {
  return [permission](http::RequestContext& ctx, http::Next next) -> asio::awaitable<http::Reply> {
    if (!ctx.principal) {
      auto code = ctx.auth_failure.empty() ? std::string_view("unauthenticated") : ctx.auth_failure;
      co_return unauthorized(code, failure_message(code));
    }
    auto role = parse_role(ctx.principal->role);
    if (!role || !allows(*role, permission))
      co_return http::error_response(http::Status::forbidden, "forbidden",
                                     "your account may not do this");
    co_return co_await next();
  };
}

}  // namespace cinestream::accounts
