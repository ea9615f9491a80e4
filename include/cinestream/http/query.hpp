#pragma once
// The request target split into a decoded path and decoded query parameters.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cinestream::http {

struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;

  // The first value of `key`, if present.
  std::optional<std::string_view> param(std::string_view key) const;
};

// Origin-form targets only ("/path?query"); nullopt when malformed (bad percent-encoding, not
// starting with '/', a path that climbs out with "..", NUL bytes).
std::optional<Target> parse_target(std::string_view target);

namespace detail {
// The general parser parse_target() falls back to (Boost.URL); exposed for the tests.
std::optional<Target> parse_target_generic(std::string_view target);
}  // namespace detail

}  // namespace cinestream::http
