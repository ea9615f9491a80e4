#pragma once
// Refresh sessions: one per signed-in device. The session keeps the hash of its current refresh
// token and of the tokens it rotated away from; presenting a rotated-away token again means it
// was stolen, and the whole session (the token family) is revoked. Rotation is one atomic write
// on both backends (SQLite: a transaction; MongoDB: one findAndModify on the session document).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/accounts/user.hpp"

namespace cinestream::accounts {

struct Session {
  std::string id;
  std::string user_id;
  std::string token_hash;  // of the current refresh token
  std::string device;      // User-Agent, cleaned and cut
  std::string address;     // the client's address at sign-in
  SysSeconds created_at{};
  SysSeconds last_used_at{};
  SysSeconds expires_at{};
  bool revoked = false;
};

enum class RotateOutcome { rotated, unknown, expired, revoked, reused };

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::unknown;
  std::optional<Session> session;  // after rotation (rotated), or the session concerned
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;
  virtual void create(const Session& session) = 0;
  // Replaces the current token `old_hash` by `new_hash` (and extends nothing: a session lives
  // 30 days from sign-in). A hash the session already rotated away from revokes the session.
  virtual RotateResult rotate(std::string_view old_hash, std::string_view new_hash,
                              SysSeconds now) = 0;
  virtual std::optional<Session> by_token(std::string_view token_hash) = 0;
  virtual std::optional<Session> by_id(std::string_view id) = 0;
  // Live sessions of the user (not revoked, not expired), most recently used first.
  virtual std::vector<Session> of_user(std::string_view user_id, SysSeconds now) = 0;
  // False when the session is not the user's or is already revoked.
  virtual bool revoke(std::string_view user_id, std::string_view session_id) = 0;
  virtual std::size_t revoke_all(std::string_view user_id) = 0;
};

}  // namespace cinestream::accounts
