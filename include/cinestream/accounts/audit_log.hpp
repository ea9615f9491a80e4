#pragma once
// What happened to accounts: every sign-in, failure, lock, token reuse, password change, role
// change and deletion. Rows of a deleted account are deleted with it (they hold its addresses).
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/accounts/user.hpp"

namespace cinestream::accounts {

struct AuditEvent {
  SysSeconds at{};
  std::string kind;     // "login", "login_failed", "login_locked", "refresh_reused", ...
  std::string user_id;  // empty when no account matched
  std::string email;    // as typed (normalised), for failures on unknown accounts
  std::string address;  // the client
  std::string detail;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual void append(const AuditEvent& event) = 0;
  // Newest first.
  virtual std::vector<AuditEvent> of_user(std::string_view user_id, std::size_t limit) = 0;
  virtual std::vector<AuditEvent> of_email(std::string_view email, std::size_t limit) = 0;
};

}  // namespace cinestream::accounts
