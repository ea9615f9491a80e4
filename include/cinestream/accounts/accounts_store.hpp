#pragma once
// The accounts module's repositories on the configured backend, and its schema (module
// "accounts" in schema_migrations, numbered migrations on both backends).
#include <memory>

#include "cinestream/accounts/audit_log.hpp"
#include "cinestream/accounts/login_throttle.hpp"
#include "cinestream/accounts/one_time_token_repository.hpp"
#include "cinestream/accounts/session_repository.hpp"
#include "cinestream/accounts/user_repository.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/schema.hpp"

namespace cinestream::accounts {

inline constexpr int kAccountsSchemaVersion = 1;

struct AccountsStore {
  std::unique_ptr<UserRepository> users;
  std::unique_ptr<SessionRepository> sessions;
  std::unique_ptr<OneTimeTokenRepository> tokens;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<LoginThrottle> throttle;
};

// Applies the accounts migrations (and the mail outbox's, which account writes fill). Blocking:
// at start-up and in tools.
SchemaReport migrate_accounts(Database& db);
AccountsStore make_accounts_store(Database& db);

}  // namespace cinestream::accounts
