#pragma once
// Cookies the client may hold but not forge: "value.signature", the signature an HMAC-SHA256 of
// the name and value under SECRET_KEY (base64url, truncated to 128 bits).
#include <optional>
#include <string>
#include <string_view>

#include "cinestream/http/response.hpp"

namespace cinestream::http {

std::string sign_cookie_value(std::string_view name, std::string_view value, std::string_view key);
// The value when the signature checks out (constant-time comparison), else nullopt.
std::optional<std::string> verify_cookie_value(std::string_view name, std::string_view signed_value,
                                               std::string_view key);
// The named cookie from a Cookie header, if present.
std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name);
// The named cookie of a request, if present.
std::optional<std::string_view> find_cookie(const Request& request, std::string_view name);

}  // namespace cinestream::http
