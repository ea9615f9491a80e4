#pragma once
// Single-use tokens sent by email (verify an address, reset a password), stored only as hashes.
// Consuming is atomic on both backends: two requests with the same token, one succeeds.
#include <optional>
#include <string>
#include <string_view>

#include "cinestream/accounts/user.hpp"
#include "cinestream/mail/message.hpp"

namespace cinestream::accounts {

enum class TokenPurpose { verify_email, reset_password };
std::string_view purpose_name(TokenPurpose p);

struct IssuedToken {
  TokenPurpose purpose = TokenPurpose::verify_email;
  std::string hash;  // token_hash() of the token sent
  SysSeconds expires_at{};
};

class OneTimeTokenRepository {
 public:
  virtual ~OneTimeTokenRepository() = default;
  // Stores the token and queues `message` (which carries it) together: SQLite in one transaction;
  // MongoDB the token first, then the message. Earlier unused tokens of the same purpose for the
  // user are withdrawn: only the newest link works.
  virtual void issue(TokenPurpose purpose, std::string_view user_id, std::string_view hash,
                     SysSeconds expires_at, const mail::Message& message) = 0;
  // The user id when the token exists, has this purpose, is unused and unexpired; it is used up.
  virtual std::optional<std::string> consume(TokenPurpose purpose, std::string_view hash,
                                             SysSeconds now) = 0;
  // Whether consume() would accept the token now, without using it: a cheap check before
  // expensive work (hashing a new password) that a bad link must not buy.
  virtual bool usable(TokenPurpose purpose, std::string_view hash, SysSeconds now) = 0;
};

}  // namespace cinestream::accounts
