#pragma once
// What a handler gets: the request, its decoded target, its id, where it came from, the path
// parameters its route template captured and (once an auth middleware fills it) who is asking.
#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cinestream/http/query.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::http {

// The authenticated caller, filled by the accounts module's authentication middleware.
struct Principal {
  std::string user_id;
  std::string role;
  std::string session_id;    // the sign-in (refresh session) the credentials belong to
  bool from_cookie = false;  // a browser's cookie rather than an Authorization header
};

// The parameters of a route template ("/api/cinemas/{id:int}"): names point into the router,
// values into the request's decoded path. A fixed array: matching allocates nothing.
class PathParams {
 public:
  static constexpr std::size_t kMax = 8;
  struct Param {
    std::string_view name;
    std::string_view value;
  };

  // Empty when absent.
  std::string_view get(std::string_view name) const {
    for (std::size_t i = 0; i < n_; ++i) {
      if (items_[i].name == name) return items_[i].value;
    }
    return {};
  }
  bool contains(std::string_view name) const {
    for (std::size_t i = 0; i < n_; ++i) {
      if (items_[i].name == name) return true;
    }
    return false;
  }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const Param* begin() const { return items_.data(); }
  const Param* end() const { return items_.data() + n_; }
  void clear() { n_ = 0; }
  // Precondition: size() < kMax (the router refuses templates with more).
  void push(std::string_view name, std::string_view value) { items_[n_++] = {name, value}; }

 private:
  std::array<Param, kMax> items_{};
  std::size_t n_ = 0;
};

// A decimal integer ("-12", "42"); nullopt unless the whole text is one that fits int64.
std::optional<std::int64_t> parse_int_param(std::string_view text);

struct RequestContext {
  RequestContext(const Request& req, const Target& tgt, std::string id,
                 boost::asio::ip::address client)
      : request(req), target(tgt), request_id(std::move(id)), remote(std::move(client)) {}

  const Request& request;
  const Target& target;
  std::string request_id;
  boost::asio::ip::address remote;  // the client (behind a trusted proxy, the one it names)
  bool secure = false;              // came over TLS (X-Forwarded-Proto: https from a trusted proxy)
  PathParams params;
  std::size_t route_index = 0;  // Router::route_names() index; 0 = no route (the fallback)
  std::optional<Principal> principal;
  // Why credentials that were sent did not authenticate ("token_expired", ...); empty when none
  // were sent or they were good. Routes that need a principal answer 401 with it.
  std::string_view auth_failure;

  // A path parameter of the matched route ("" when the route has none by that name).
  std::string_view param(std::string_view name) const { return params.get(name); }
  // A typed {name:int} parameter always parses (the route matched only then).
  std::optional<std::int64_t> param_int(std::string_view name) const {
    return parse_int_param(params.get(name));
  }
};

}  // namespace cinestream::http
