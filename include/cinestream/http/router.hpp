#pragma once
// Method + path template -> handler.
//
// Templates are matched segment by segment: "/api/cinemas/{id:int}/screens/{screen}".
//   {name}      one non-empty segment (decoded; it cannot contain '/')
//   {name:int}  one segment that is a decimal integer fitting int64 ("-3", "42")
//   {name*}     the rest of the path, one or more characters, '/' included; last segment only
// A typed parameter that does not parse means the template does not match: the request goes on
// to other templates and ends as 404 (or 405) like any unknown path; handlers never see a
// malformed typed value. Literal routes (no parameters) are found first, by hash; templates are
// tried in order of specificity (at the first segment where they differ: literal, int, string,
// rest). An unknown path is 404; a known path with another method is 405 with an Allow header;
// HEAD matches GET routes. GET/HEAD requests no route matched go to the fallback (static files).
// The route's name in metrics and logs is its template.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cinestream/http/error_map.hpp"
#include "cinestream/http/middleware.hpp"
#include "cinestream/http/request_context.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::http {

using Verb = boost::beast::http::verb;

// A per-route token bucket per client: `per_second` sustained, `burst` at once.
struct RouteRateLimit {
  double per_second = 1;
  double burst = 10;
};

struct RouteOptions {
  // Request body limit while reading this route's body (413 above it); unset: the server's.
  std::optional<std::size_t> body_limit{};
  // Runs after the global middleware and the CSRF check, in this order, before the handler.
  std::vector<Middleware> middleware{};
  // Becomes the first of the route's middleware (429 rate_limited with Retry-After).
  std::optional<RouteRateLimit> rate_limit{};
  // Skips the CSRF check (e.g. a webhook authenticated otherwise).
  bool csrf_exempt = false;
};

struct RouteMatch {
  const Handler* handler = nullptr;  // null: see status
  const RouteOptions* options = nullptr;
  Status status = Status::not_found;
  std::string allow;            // for 405
  std::size_t route_index = 0;  // for metrics; route_names() gives its name
};

class Router {
 public:
  Router();

  // Throws std::invalid_argument for a malformed template (unknown type, a catch-all before the
  // end, a repeated name, more than PathParams::kMax parameters) or a duplicate method+template.
  void add(Verb method, std::string path_template, Handler handler, RouteOptions options = {});

  // Middleware for every request a handler serves (routes and the fallback), in order.
  void use(Middleware m) { global_.push_back(std::move(m)); }
  const std::vector<Middleware>& middleware() const { return global_; }
  // The CSRF hook: runs for unsafe methods (not GET, HEAD, OPTIONS) of routes not exempt.
  void set_csrf_check(Middleware m) { csrf_ = std::move(m); }
  const Middleware* csrf_check() const { return csrf_ ? &csrf_ : nullptr; }

  // Exceptions -> answers (see error_map.hpp).
  template <class E>
  void register_error(Status status, std::string code, std::string message,
                      std::chrono::seconds retry_after = std::chrono::seconds(0)) {
    errors_.register_error<E>(status, std::move(code), std::move(message), retry_after);
  }
  const ErrorMap& errors() const { return errors_; }

  // Serves GET/HEAD requests no route matched (the static files).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  const Handler* fallback() const { return fallback_ ? &fallback_ : nullptr; }

  // `params` receives the template's parameters (views into `path` and into the router).
  RouteMatch match(Verb method, std::string_view path, PathParams& params) const;
  RouteMatch match(Verb method, std::string_view path) const {
    PathParams ignored;
    return match(method, path, ignored);
  }
  // Names of all routes, indexed by RouteMatch::route_index; index 0 is "unmatched".
  const std::vector<std::string>& route_names() const { return names_; }

 private:
  struct Segment {
    enum Kind { literal = 0, integer = 1, string = 2, rest = 3 } kind;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    Verb method;
    std::vector<Segment> segments;  // empty for literal routes
    Handler handler;
    RouteOptions options;
    std::size_t name_index;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::size_t name_index(const std::string& name);
  static bool match_segments(const std::vector<Segment>& segments, std::string_view path,
                             PathParams& params);

  std::vector<Route> routes_;
  // Literal path -> its routes (one per method).
  std::unordered_map<std::string, std::vector<std::size_t>, Hash, std::equal_to<>> literal_;
  std::vector<std::size_t> templates_;  // most specific first
  std::vector<std::string> names_;
  std::vector<Middleware> global_;
  Middleware csrf_;
  ErrorMap errors_;
  Handler fallback_;
};

}  // namespace cinestream::http
