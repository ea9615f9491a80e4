#pragma once
// Random opaque secrets (refresh tokens, reset and verification tokens, ids) and the one-way hash
// under which they are stored: a stolen database gives no usable token.
#include <string>
#include <string_view>

namespace cinestream::accounts {

// `bytes` random bytes from OpenSSL's CSPRNG, base64url without padding.
std::string random_token(std::size_t bytes = 32);
// 16 random bytes as 32 hex digits: user and session ids.
std::string random_id();
// SHA-256 of the token, hex: what the store keeps.
std::string token_hash(std::string_view token);

}  // namespace cinestream::accounts
