#include "cinestream/accounts/access_token.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <boost/json.hpp>
#include <stdexcept>

#include "cinestream/accounts/secrets.hpp"
#include "cinestream/text/encoding.hpp"

namespace cinestream::accounts {
namespace json = boost::json;
namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::size_t kMaxTokenBytes = 4096;

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                out.size(), &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::optional<json::object> decode_object(std::string_view part) {
  std::string raw;
  if (!text::base64url_decode(part, raw)) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(raw, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::int64_t> int_claim(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

std::optional<std::string> str_claim(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return std::string(v->as_string());
}

VerifiedToken fail(TokenError e) {
  VerifiedToken t;
  t.error = e;
  return t;
}

}  // namespace

KeyRing::KeyRing(std::vector<SigningKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("JWT keys: at least one key is needed");
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const auto& k = keys_[i];
    if (k.id.empty() || k.id.size() > 64)
      throw std::invalid_argument("JWT keys: a key id is 1 to 64 characters");
    if (k.secret.size() < kMinSecretBytes)
      throw std::invalid_argument(fmt::format(
          "JWT keys: the secret of '{}' needs at least {} bytes", k.id, kMinSecretBytes));
    for (std::size_t j = 0; j < i; ++j) {
      if (keys_[j].id == k.id)
        throw std::invalid_argument(fmt::format("JWT keys: '{}' appears twice", k.id));
    }
  }
}

KeyRing KeyRing::parse(std::string_view text) {
  std::vector<SigningKey> keys;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto colon = item.find(':');
    if (colon == std::string_view::npos)
      throw std::invalid_argument("JWT keys: expected kid:secret[,kid:secret...]");
    keys.push_back({std::string(item.substr(0, colon)), std::string(item.substr(colon + 1))});
  }
  return KeyRing(std::move(keys));
}

KeyRing KeyRing::derived_from(std::string_view server_secret) {
  // A separate key per purpose: a cookie signature is never a valid token signature.
  return KeyRing({{"s1", hmac_sha256(server_secret, "cinestream access tokens v1")}});
}

const SigningKey* KeyRing::find(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

std::string_view token_error_code(TokenError e) {
  switch (e) {
    case TokenError::malformed:
      return "token_malformed";
    case TokenError::bad_algorithm:
      return "token_algorithm";
    case TokenError::unknown_key:
      return "token_unknown_key";
    case TokenError::bad_signature:
      return "token_signature";
    case TokenError::expired:
      return "token_expired";
    case TokenError::bad_claims:
      return "token_claims";
  }
  return "token_malformed";
}

std::string sign_access_token(const AccessClaims& claims, const KeyRing& keys) {
  const auto& key = keys.signing();
  json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", key.id}};
  json::object payload{{"sub", claims.subject},
                       {"role", role_name(claims.role)},
                       {"sid", claims.session_id},
                       {"iat", claims.issued_at.time_since_epoch().count()},
                       {"exp", claims.expires_at.time_since_epoch().count()}};
  std::string signing_input = text::base64url_encode(json::serialize(header)) + "." +
                              text::base64url_encode(json::serialize(payload));
  return signing_input + "." + text::base64url_encode(hmac_sha256(key.secret, signing_input));
}

VerifiedToken verify_access_token(std::string_view token, const KeyRing& keys,
                                  std::chrono::sys_seconds now, std::chrono::seconds leeway) {
  if (token.empty() || token.size() > kMaxTokenBytes) return fail(TokenError::malformed);
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(TokenError::malformed);
  auto header = decode_object(token.substr(0, dot1));
  if (!header) return fail(TokenError::malformed);
  // The algorithm is ours to choose, not the token's: anything but HS256 ("none", RS256 with our
  // secret as a "public key", ...) is refused before any signature work.
  auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string() || alg->as_string() != "HS256")
    return fail(TokenError::bad_algorithm);
  auto* kid = header->if_contains("kid");
  if (!kid || !kid->is_string()) return fail(TokenError::unknown_key);
  const SigningKey* key = keys.find(kid->as_string());
  if (!key) return fail(TokenError::unknown_key);
  std::string signature;
  if (!text::base64url_decode(token.substr(dot2 + 1), signature))
    return fail(TokenError::malformed);
  auto expected = hmac_sha256(key->secret, token.substr(0, dot2));
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return fail(TokenError::bad_signature);
  }
  auto payload = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return fail(TokenError::malformed);
  auto sub = str_claim(*payload, "sub");
  auto role_text = str_claim(*payload, "role");
  auto sid = str_claim(*payload, "sid");
  auto iat = int_claim(*payload, "iat");
  auto exp = int_claim(*payload, "exp");
  if (!sub || !role_text || !sid || !iat || !exp) return fail(TokenError::bad_claims);
  auto role = parse_role(*role_text);
  if (!role) return fail(TokenError::bad_claims);
  std::chrono::sys_seconds issued{std::chrono::seconds(*iat)};
  std::chrono::sys_seconds expires{std::chrono::seconds(*exp)};
  if (expires <= issued || issued > now + leeway) return fail(TokenError::bad_claims);
  if (expires + leeway <= now) return fail(TokenError::expired);
  VerifiedToken out;
  out.claims = AccessClaims{*sub, *role, *sid, issued, expires};
  return out;
}

}  // namespace cinestream::accounts
