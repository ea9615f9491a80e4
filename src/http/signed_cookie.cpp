#include "cinestream/http/signed_cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "cinestream/text/encoding.hpp"

namespace cinestream::http {
namespace {

std::string mac(std::string_view name, std::string_view value, std::string_view key) {
  std::string data;
  data.reserve(name.size() + value.size() + 1);
  data.append(name).push_back('=');
  data.append(value);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
            out.size(), &len);
  // The first 16 bytes: 128 bits are plenty for a cookie and keep it short.
  return text::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(out.data()), std::min<std::size_t>(len, 16)));
}

}  // namespace

std::string sign_cookie_value(std::string_view name, std::string_view value, std::string_view key) {
  return std::string(value) + "." + mac(name, value, key);
}

std::optional<std::string> verify_cookie_value(std::string_view name, std::string_view signed_value,
                                               std::string_view key) {
  auto dot = signed_value.rfind('.');
  if (dot == std::string_view::npos || key.empty()) return std::nullopt;
  auto value = signed_value.substr(0, dot);
  auto given = signed_value.substr(dot + 1);
  auto expected = mac(name, value, key);
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  return std::string(value);
}

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ')
      part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> find_cookie(const Request& request, std::string_view name) {
  auto header = request[beast_http::field::cookie];
  if (header.empty()) return std::nullopt;
  return find_cookie(header, name);
}

}  // namespace cinestream::http
