#include "cinestream/http/router.hpp"

#include <algorithm>

namespace cinestream::http {

Router::Router() {
  names_.push_back("unmatched");
}

std::size_t Router::name_index(const std::string& name) {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it != names_.end()) return static_cast<std::size_t>(it - names_.begin());
  names_.push_back(name);
  return names_.size() - 1;
}

void Router::add(Verb method, std::string path, Handler handler) {
  auto idx = name_index(path);
  routes_.push_back({method, std::move(path), false, std::move(handler), idx});
}

void Router::add_prefix(Verb method, std::string prefix, Handler handler) {
  auto idx = name_index(prefix + "*");
  routes_.push_back({method, std::move(prefix), true, std::move(handler), idx});
}

RouteMatch Router::match(Verb method, std::string_view path) const {
  RouteMatch result;
  std::vector<std::string> allowed;
  // Exact routes win over prefixes; among prefixes the longest wins.
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    bool hit =
        r.prefix ? (path.starts_with(r.path) && path.size() > r.path.size()) : path == r.path;
    if (!hit) continue;
    bool method_ok = r.method == method || (method == Verb::head && r.method == Verb::get);
    if (!method_ok) {
      std::string m(boost::beast::http::to_string(r.method));
      if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) allowed.push_back(m);
      if (r.method == Verb::get) allowed.push_back("HEAD");
      if (!result.route_index) result.route_index = r.name_index;
      continue;
    }
    if (!best || (best->prefix && (!r.prefix || r.path.size() > best->path.size()))) best = &r;
  }
  if (best) {
    result.handler = &best->handler;
    result.status = Status::ok;
    result.route_index = best->name_index;
    if (best->prefix) result.tail = std::string(path.substr(best->path.size()));
    return result;
  }
  if (!allowed.empty()) {
    result.status = Status::method_not_allowed;
    for (const auto& m : allowed) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
  }
  return result;
}

}  // namespace cinestream::http
