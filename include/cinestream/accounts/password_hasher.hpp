#pragma once
// bcrypt through libxcrypt (crypt_gensalt_rn + crypt_r): the format CineLibre's Python users were
// written in ($2a$/$2b$/$2y$ verify), never hand-written. Every call is CPU-heavy (about 0.2 s at
// cost 12): callers run it on the cpu pool, never on an event loop.
#include <optional>
#include <string>
#include <string_view>

namespace cinestream::accounts {

inline constexpr int kDefaultBcryptCost = 12;
inline constexpr std::size_t kBcryptMaxPasswordBytes = 72;  // bcrypt reads no further

// A new "$2b$<cost>$..." hash with a fresh random salt. Throws std::runtime_error if libxcrypt
// cannot make a salt (no entropy) or hash.
std::string hash_password(std::string_view password, int cost = kDefaultBcryptCost);

// Constant-time comparison of the recomputed hash; false for a malformed or non-bcrypt hash.
bool verify_password(std::string_view password, std::string_view hash);

// The cost of a bcrypt hash ("$2b$12$..." -> 12); nullopt when it is not one.
std::optional<int> bcrypt_cost(std::string_view hash);

}  // namespace cinestream::accounts
