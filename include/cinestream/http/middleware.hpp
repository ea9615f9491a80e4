#pragma once
// Handlers and the middleware around them. A middleware gets the request context and `next`,
// the rest of the chain: it may answer by itself (short-circuit), or co_await next() and look at
// or change the reply. The chain of a request is: the server's built-ins (the per-client API
// rate limit), the router's global middleware (Router::use), the CSRF check (unsafe methods
// only, unless the route is exempt), the route's own middleware (RouteOptions), the handler.
#include <boost/asio/awaitable.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "cinestream/http/reply.hpp"
#include "cinestream/http/request_context.hpp"

namespace cinestream::http {

class ClientLimits;

using Handler = std::function<boost::asio::awaitable<Reply>(RequestContext&)>;

class Next;
using Middleware = std::function<boost::asio::awaitable<Reply>(RequestContext&, Next)>;

// The middleware of one request in order, then its handler. Lives while the request runs.
struct MiddlewareChain {
  static constexpr std::size_t kParts = 4;
  std::array<std::span<const Middleware>, kParts> parts{};
  const Handler* handler = nullptr;
  bool empty() const {
    for (const auto& p : parts) {
      if (!p.empty()) return false;
    }
    return true;
  }
};

// The rest of the chain. Cheap to copy (three pointers and two indices; no allocation).
class Next {
 public:
  Next(const MiddlewareChain& chain, RequestContext& ctx) : chain_(&chain), ctx_(&ctx) {}
  boost::asio::awaitable<Reply> operator()() const;

 private:
  Next(const MiddlewareChain& chain, RequestContext& ctx, std::size_t part, std::size_t index)
      : chain_(&chain), ctx_(&ctx), part_(part), index_(index) {}
  const MiddlewareChain* chain_;
  RequestContext* ctx_;
  std::size_t part_ = 0;
  std::size_t index_ = 0;
};

// Runs the whole chain for `ctx`.
inline boost::asio::awaitable<Reply> run_chain(const MiddlewareChain& chain, RequestContext& ctx) {
  return Next(chain, ctx)();
}

namespace middleware {

// A token bucket per client (ClientLimits' public interface) for the requests it wraps:
// 429 rate_limited with Retry-After when empty. `message` says what was limited.
Middleware rate_limit(std::shared_ptr<ClientLimits> limits, std::string message);

// The API limit the server installs first: like rate_limit, for matched routes whose path
// starts with `prefix` only (the page, its assets and posters are cheap).
Middleware api_rate_limit(std::shared_ptr<ClientLimits> limits, std::string prefix);

// A simple CSRF check for Router::set_csrf_check: an unsafe request carrying an Origin header
// (else a Referer) must come from this site, else 403 csrf_rejected: from `public_origin`
// ("https://cinema.example") when given, else from the origin it is sent to (host[:port] equals
// Host). Requests with neither header (curl, server-to-server) pass.
Middleware same_origin_check(std::string public_origin = {});

// Whether `origin` ("https://cinema.example:8443") names the site a request was sent to, whose Host
// header is `host`. nginx passes the host without its port ($host): then the origin's host name
// must match.
bool origin_matches_host(std::string_view origin, std::string_view host);

// The API's CSRF check (installed by serve): Content-Type must be application/json (else 415
// unsupported_media_type: other types need no preflight, so any page could send them), then
// same_origin_check.
Middleware api_csrf_check(std::string public_origin = {});

}  // namespace middleware

}  // namespace cinestream::http
