#include "cinestream/accounts/password_hasher.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace cinestream::accounts {
namespace {

// struct crypt_data is 32 KiB: one per thread (the cpu pool's), never on a coroutine frame.
crypt_data& thread_crypt_data() {
  thread_local auto data = std::make_unique<crypt_data>();
  return *data;
}

// bcrypt stops at the first NUL and reads 72 bytes at most: a password with a NUL would verify
// against its prefix, so the caller refuses NULs (password_policy) and we cut at 72 like Python.
std::string bcrypt_input(std::string_view password) {
  return std::string(password.substr(0, std::min(password.size(), kBcryptMaxPasswordBytes)));
}

}  // namespace

std::string hash_password(std::string_view password, int cost) {
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt.data(),
                       static_cast<int>(salt.size())) == nullptr) {
    throw std::runtime_error("bcrypt: cannot make a salt");
  }
  auto& data = thread_crypt_data();
  std::memset(&data, 0, sizeof data);
  const char* out = crypt_r(bcrypt_input(password).c_str(), salt.data(), &data);
  if (out == nullptr || out[0] == '*') throw std::runtime_error("bcrypt: hashing failed");
  return out;
}

bool verify_password(std::string_view password, std::string_view hash) {
  if (!bcrypt_cost(hash)) return false;
  auto& data = thread_crypt_data();
  std::memset(&data, 0, sizeof data);
  std::string setting(hash);
  const char* out = crypt_r(bcrypt_input(password).c_str(), setting.c_str(), &data);
  if (out == nullptr || out[0] == '*') return false;
  std::size_t n = std::strlen(out);
  return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

std::optional<int> bcrypt_cost(std::string_view hash) {
  // "$2b$12$" + 53 characters of salt and hash.
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return std::nullopt;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return std::nullopt;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return std::nullopt;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return std::nullopt;
  return cost;
}

}  // namespace cinestream::accounts
