#include "cinestream/http/middleware.hpp"
#include "cinestream/http/header_text.hpp"

#include <boost/beast/http/field.hpp>

#include <string_view>

#include "cinestream/http/client_limits.hpp"

namespace cinestream::http {

namespace asio = boost::asio;
namespace bh = boost::beast::http;

// Not a coroutine: it returns the next step's own awaitable, so a chain costs no frame beyond
// those of its middleware. The step copies `ctx` (a reference) and its Next into its frame.
asio::awaitable<Reply> Next::operator()() const {
  const auto& chain = *chain_;
  auto part = part_;
  auto index = index_;
  while (part < chain.parts.size() && index >= chain.parts[part].size()) {
    ++part;
    index = 0;
  }
  if (part == chain.parts.size()) return (*chain.handler)(*ctx_);
  return chain.parts[part][index](*ctx_, Next(chain, *ctx_, part, index + 1));
}

namespace middleware {

namespace {

asio::awaitable<Reply> ready(Reply reply) {
  co_return reply;
}

Reply too_many(std::chrono::seconds retry_after, std::string_view message) {
  auto res = error_response(Status::too_many_requests, "rate_limited", message);
  res.set(bh::field::retry_after, std::to_string(retry_after.count()));
  return res;
}

// host[:port] of an origin "scheme://host[:port]"; empty when it has no such shape.
std::string_view origin_authority(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  auto authority = origin.substr(sep + 3);
  if (authority.find('/') != std::string_view::npos) return {};
  return authority;
}

}  // namespace

// The built-ins below are plain functions, not coroutines: a request they let through costs no
// frame of theirs (they return the next step's awaitable); only a refusal makes one.
Middleware rate_limit(std::shared_ptr<ClientLimits> limits, std::string message) {
  return [limits = std::move(limits), message = std::move(message)](
             RequestContext& ctx, Next next) -> asio::awaitable<Reply> {
    std::chrono::seconds retry_after{0};
    if (!limits->allow_request(ctx.remote, std::chrono::steady_clock::now(), retry_after)) {
      return ready(too_many(retry_after, message));
    }
    return next();
  };
}

Middleware api_rate_limit(std::shared_ptr<ClientLimits> limits, std::string prefix) {
  return [limits = std::move(limits), prefix = std::move(prefix)](
             RequestContext& ctx, Next next) -> asio::awaitable<Reply> {
    std::chrono::seconds retry_after{0};
    if (ctx.route_index != 0 && ctx.target.path.starts_with(prefix) &&
        !limits->allow_request(ctx.remote, std::chrono::steady_clock::now(), retry_after)) {
      return ready(
          too_many(retry_after, "too many requests from this address; slow down and retry later"));
    }
    return next();
  };
}

namespace {

// scheme://host[:port] of a Referer URL; empty when it has no such shape.
std::string_view referer_origin(std::string_view referer) {
  auto sep = referer.find("://");
  if (sep == std::string_view::npos) return {};
  auto end = referer.find_first_of("/?#", sep + 3);
  return referer.substr(0, end);
}

// "host" of "host:port" or "[v6]:port".
std::string_view without_port(std::string_view authority) {
  auto colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
    return authority;
  return authority.substr(0, colon);
}

// An Origin (or, without one, a Referer) that is not this site's. Without a configured public
// origin, this site is whatever the request's Host names (nginx passes the visitor's Host on).
bool cross_site(const RequestContext& ctx, std::string_view public_origin) {
  auto origin = ctx.request[bh::field::origin];
  if (origin.empty()) origin = referer_origin(ctx.request[bh::field::referer]);
  if (origin.empty()) return false;  // neither names a site: nothing to compare
  if (!public_origin.empty()) return !iequals_ascii(origin, public_origin);
  return !origin_matches_host(origin, ctx.request[bh::field::host]);
}

Reply csrf_refusal() {
  return error_response(Status::forbidden, "csrf_rejected",
                        "this request must come from a page of this site");
}

}  // namespace

bool origin_matches_host(std::string_view origin, std::string_view host) {
  auto authority = origin_authority(origin);
  if (authority.empty() || host.empty()) return false;
  if (iequals_ascii(authority, host)) return true;
  // nginx passes the host without its port ($host): then the origin's host name must match.
  return without_port(host) == host && iequals_ascii(without_port(authority), host);
}

Middleware same_origin_check(std::string public_origin) {
  return [public_origin = std::move(public_origin)](RequestContext& ctx,
                                                    Next next) -> asio::awaitable<Reply> {
    if (cross_site(ctx, public_origin)) return ready(csrf_refusal());
    return next();
  };
}

Middleware api_csrf_check(std::string public_origin) {
  return [public_origin = std::move(public_origin)](RequestContext& ctx,
                                                    Next next) -> asio::awaitable<Reply> {
    // A page of another site can send text/plain, form and multipart bodies (or none) without
    // asking first; application/json needs a CORS preflight, which this server never grants.
    // Only POST can be sent that way: PUT, PATCH and DELETE always need the preflight, so they
    // need a JSON type only when they carry a body.
    std::string_view type = ctx.request[bh::field::content_type];
    type = type.substr(0, type.find(';'));
    bool simple_capable = ctx.request.method() == bh::verb::post;
    if ((simple_capable || !ctx.request.body().empty()) &&
        !iequals_ascii(trim_ows(type), "application/json")) {
      return ready(error_response(Status::unsupported_media_type, "unsupported_media_type",
                                  "send the body as JSON with Content-Type: application/json"));
    }
    if (cross_site(ctx, public_origin)) return ready(csrf_refusal());
    return next();
  };
}

}  // namespace middleware

}  // namespace cinestream::http
