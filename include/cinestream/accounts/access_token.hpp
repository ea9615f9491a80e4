#pragma once
// Short-lived access tokens: JWT (RFC 7519) signed with HMAC-SHA256 only. The header names the
// key (`kid`) so keys can rotate: the first key of the ring signs, every key in it verifies.
// `alg` is fixed: "none" and every other algorithm are refused whatever the header says.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/accounts/role.hpp"

namespace cinestream::accounts {

struct SigningKey {
  std::string id;      // the `kid`
  std::string secret;  // at least 32 bytes
};

class KeyRing {
 public:
  // Throws std::invalid_argument for an empty ring, a short secret or a repeated id.
  explicit KeyRing(std::vector<SigningKey> keys);
  // "kid1:secret1,kid2:secret2" (the first signs); the secret may not contain ','.
  static KeyRing parse(std::string_view text);
  // One key derived from the server's secret (HMAC-SHA256 of a fixed label), for installations
  // that configure no JWT keys: tokens then live as long as SECRET_KEY does.
  static KeyRing derived_from(std::string_view server_secret);

  const SigningKey& signing() const { return keys_.front(); }
  const SigningKey* find(std::string_view id) const;

 private:
  std::vector<SigningKey> keys_;
};

struct AccessClaims {
  std::string subject;  // user id
  Role role = Role::customer;
  std::string session_id;  // the refresh session the token was issued from
  std::chrono::sys_seconds issued_at{};
  std::chrono::sys_seconds expires_at{};
};

enum class TokenError { malformed, bad_algorithm, unknown_key, bad_signature, expired, bad_claims };
std::string_view token_error_code(TokenError e);

struct VerifiedToken {
  std::optional<AccessClaims> claims;
  TokenError error = TokenError::malformed;  // when !claims
};

inline constexpr std::chrono::seconds kAccessTokenLifetime{15 * 60};

std::string sign_access_token(const AccessClaims& claims, const KeyRing& keys);
// `leeway` tolerates clock differences between processes for iat/exp.
VerifiedToken verify_access_token(std::string_view token, const KeyRing& keys,
                                  std::chrono::sys_seconds now,
                                  std::chrono::seconds leeway = std::chrono::seconds(30));

}  // namespace cinestream::accounts
