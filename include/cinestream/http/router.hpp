#pragma once
// Method + path -> handler. Exact paths and prefix routes ("/api/scrape/status/" + tail); an
// unknown path is 404, a known path with another method is 405 with an Allow header.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/http/request_context.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::http {

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;
using Verb = boost::beast::http::verb;

struct RouteMatch {
  const Handler* handler = nullptr;  // null: see status
  Status status = Status::not_found;
  std::string allow;            // for 405
  std::size_t route_index = 0;  // for metrics; routes() gives its name
  std::string tail;             // what a prefix route matched after its prefix
};

class Router {
 public:
  Router();
  // `name` labels the route in metrics and logs.
  void add(Verb method, std::string path, Handler handler);
  void add_prefix(Verb method, std::string prefix, Handler handler);

  // Serves GET/HEAD requests no route matched (the static files).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  const Handler* fallback() const { return fallback_ ? &fallback_ : nullptr; }

  // HEAD matches GET routes.
  RouteMatch match(Verb method, std::string_view path) const;
  // Names of all routes, indexed by RouteMatch::route_index; index 0 is "unmatched".
  const std::vector<std::string>& route_names() const { return names_; }

 private:
  struct Route {
    Verb method;
    std::string path;
    bool prefix;
    Handler handler;
    std::size_t name_index;
  };
  std::size_t name_index(const std::string& name);

  std::vector<Route> routes_;
  std::vector<std::string> names_;
  Handler fallback_;
};

}  // namespace cinestream::http
