#include "cinestream/accounts/accounts_store.hpp"

#include <stdexcept>

#include "accounts/mongo/mongo_accounts.hpp"
#include "accounts/sqlite/sqlite_accounts.hpp"
#include "cinestream/mail/outbox.hpp"
#include "cinestream/store/module_migrations.hpp"

namespace cinestream::accounts {

std::string_view purpose_name(TokenPurpose p) {
  return p == TokenPurpose::verify_email ? "verify_email" : "reset_password";
}

SchemaReport migrate_accounts(Database& db) {
  // Account writes queue mail in the same transaction: the outbox must exist first.
  mail::migrate(db);
  return migrate_module(db, "accounts", sqlite_backend::migrations(), mongo_backend::migrations());
}

AccountsStore make_accounts_store(Database& db) {
  AccountsStore s;
  if (auto* pool = db.sqlite()) {
    s.users = sqlite_backend::make_user_repository(*pool);
    s.sessions = sqlite_backend::make_session_repository(*pool);
    s.tokens = sqlite_backend::make_one_time_token_repository(*pool);
    s.audit = sqlite_backend::make_audit_log(*pool);
    s.throttle = sqlite_backend::make_login_throttle(*pool);
  } else if (auto* client = db.mongo()) {
    s.users = mongo_backend::make_user_repository(*client);
    s.sessions = mongo_backend::make_session_repository(*client);
    s.tokens = mongo_backend::make_one_time_token_repository(*client);
    s.audit = mongo_backend::make_audit_log(*client);
    s.throttle = mongo_backend::make_login_throttle(*client);
  } else {
    throw std::invalid_argument("accounts: the database has neither SQLite nor MongoDB");
  }
  return s;
}

}  // namespace cinestream::accounts
