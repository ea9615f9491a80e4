#include "cinestream/http/router.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "cinestream/http/client_limits.hpp"

namespace cinestream::http {

std::optional<std::int64_t> parse_int_param(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return v;
}

Router::Router() {
  names_.push_back("unmatched");
}

std::size_t Router::name_index(const std::string& name) {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it != names_.end()) return static_cast<std::size_t>(it - names_.begin());
  names_.push_back(name);
  return names_.size() - 1;
}

namespace {

[[noreturn]] void bad_template(std::string_view path, std::string_view why) {
  throw std::invalid_argument(fmt::format("route template '{}': {}", path, why));
}

}  // namespace

void Router::add(Verb method, std::string path, Handler handler, RouteOptions options) {
  if (path.empty() || path.front() != '/') bad_template(path, "must start with '/'");
  std::vector<Segment> segments;
  bool has_params = false;
  std::size_t params = 0;
  for (std::size_t pos = 1; pos <= path.size();) {
    auto end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string_view seg(path.data() + pos, end - pos);
    if (!segments.empty() && segments.back().kind == Segment::rest) {
      bad_template(path, "a catch-all {name*} must be the last segment");
    }
    if (seg.starts_with('{')) {
      if (!seg.ends_with('}') || seg.size() < 3) bad_template(path, "unclosed parameter");
      std::string_view inner = seg.substr(1, seg.size() - 2);
      Segment::Kind kind = Segment::string;
      if (auto colon = inner.find(':'); colon != std::string_view::npos) {
        auto type = inner.substr(colon + 1);
        inner = inner.substr(0, colon);
        if (type == "int") {
          kind = Segment::integer;
        } else if (type != "string") {
          bad_template(path, fmt::format("unknown parameter type '{}' (int or string)", type));
        }
      } else if (inner.ends_with('*')) {
        inner.remove_suffix(1);
        kind = Segment::rest;
      }
      if (inner.empty() || inner.find_first_of("{}*:") != std::string_view::npos) {
        bad_template(path, "bad parameter name");
      }
      for (const auto& s : segments) {
        if (s.kind != Segment::literal && s.text == inner) bad_template(path, "repeated name");
      }
      if (++params > PathParams::kMax) bad_template(path, "too many parameters");
      segments.push_back({kind, std::string(inner)});
      has_params = true;
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        bad_template(path, "a parameter must be a whole segment");
      }
      segments.push_back({Segment::literal, std::string(seg)});
    }
    pos = end + 1;
  }
  if (options.rate_limit) {
    ClientLimitOptions lo;
    lo.requests_per_second = options.rate_limit->per_second;
    lo.request_burst = options.rate_limit->burst;
    lo.max_connections = 0;
    options.middleware.insert(
        options.middleware.begin(),
        middleware::rate_limit(std::make_shared<ClientLimits>(lo),
                               "too many requests to this resource; slow down and retry later"));
  }
  if (std::any_of(routes_.begin(), routes_.end(), [&](const Route& r) {
        return r.method == method && names_[r.name_index] == path;
      })) {
    bad_template(path, "added twice for one method");
  }
  auto idx = name_index(path);
  std::size_t index = routes_.size();
  if (!has_params) segments.clear();
  routes_.push_back({method, std::move(segments), std::move(handler), std::move(options), idx});
  if (!has_params) {
    literal_[path].push_back(index);
    return;
  }
  templates_.push_back(index);
  // Most specific first: at the first segment where two differ, literal < int < string < rest;
  // among equals, the longer template first. Stable: otherwise the order they were added.
  std::stable_sort(templates_.begin(), templates_.end(), [this](std::size_t a, std::size_t b) {
    const auto& sa = routes_[a].segments;
    const auto& sb = routes_[b].segments;
    for (std::size_t i = 0; i < std::min(sa.size(), sb.size()); ++i) {
      if (sa[i].kind != sb[i].kind) return sa[i].kind < sb[i].kind;
    }
    return sa.size() > sb.size();
  });
}

bool Router::match_segments(const std::vector<Segment>& segments, std::string_view path,
                            PathParams& params) {
  params.clear();
  std::size_t pos = 1;  // after the leading '/'
  for (const auto& s : segments) {
    if (pos > path.size()) return false;  // the path has fewer segments
    if (s.kind == Segment::rest) {
      auto rest = path.substr(pos);
      if (rest.empty()) return false;
      params.push(s.text, rest);
      return true;
    }
    auto end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    auto seg = path.substr(pos, end - pos);
    switch (s.kind) {
      case Segment::literal:
        if (seg != s.text) return false;
        break;
      case Segment::integer:
        if (!parse_int_param(seg)) return false;
        params.push(s.text, seg);
        break;
      case Segment::string:
      case Segment::rest:
        if (seg.empty()) return false;
        params.push(s.text, seg);
        break;
    }
    pos = end + 1;
  }
  return pos == path.size() + 1;  // every segment of the path consumed
}

RouteMatch Router::match(Verb method, std::string_view path, PathParams& params) const {
  RouteMatch result;
  params.clear();
  auto method_ok = [method](const Route& r) {
    return r.method == method || (method == Verb::head && r.method == Verb::get);
  };
  auto found = [&](const Route& r) {
    result.handler = &r.handler;
    result.options = &r.options;
    result.status = Status::ok;
    result.route_index = r.name_index;
    return result;
  };
  // The read path: a literal route, one hash lookup, no allocation.
  const std::vector<std::size_t>* literal = nullptr;
  if (auto it = literal_.find(path); it != literal_.end()) {
    literal = &it->second;
    for (auto i : *literal) {
      if (routes_[i].method == method) return found(routes_[i]);
    }
    for (auto i : *literal) {
      if (method_ok(routes_[i])) return found(routes_[i]);
    }
  }
  const Route* wrong_method = nullptr;  // a template the path matches, for 405
  for (auto i : templates_) {
    const auto& r = routes_[i];
    if (!match_segments(r.segments, path, params)) continue;
    if (method_ok(r)) return found(r);
    if (!wrong_method) wrong_method = &r;
  }
  params.clear();
  if (!literal && !wrong_method) return result;  // 404

  // 405: every method some route of this path answers.
  std::vector<std::string> allowed;
  auto allow = [&](const Route& r) {
    std::string m(boost::beast::http::to_string(r.method));
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) allowed.push_back(m);
    if (r.method == Verb::get &&
        std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
      allowed.push_back("HEAD");
    }
    if (!result.route_index) result.route_index = r.name_index;
  };
  if (literal) {
    for (auto i : *literal)
      allow(routes_[i]);
  }
  PathParams scratch;
  for (auto i : templates_) {
    if (match_segments(routes_[i].segments, path, scratch)) allow(routes_[i]);
  }
  result.status = Status::method_not_allowed;
  for (const auto& m : allowed) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += m;
  }
  return result;
}

}  // namespace cinestream::http
