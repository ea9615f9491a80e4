#include "cinestream/accounts/secrets.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "cinestream/text/encoding.hpp"

namespace cinestream::accounts {
namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("no random bytes from OpenSSL");
  return out;
}

}  // namespace

std::string random_token(std::size_t bytes) {
  auto raw = random_bytes(bytes);
  return text::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

std::string random_id() {
  return text::hex_encode(random_bytes(16));
}

std::string token_hash(std::string_view token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), md.data(), &len, EVP_sha256(), nullptr);
  return text::hex_encode(std::span<const unsigned char>(md.data(), len));
}

}  // namespace cinestream::accounts
