// The accounts schema on SQLite, module "accounts". Forward-only; the numbers match the MongoDB
// migrations (mongo_accounts_migrations.cpp).
#include <array>

#include "accounts/sqlite/sqlite_accounts.hpp"

namespace cinestream::accounts::sqlite_backend {
namespace {

void v1_accounts(Connection& c) {
  c.exec(R"sql(
CREATE TABLE accounts_users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  lang TEXT NOT NULL,
  home_city TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  email_verified INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  notify_film_in_city INTEGER NOT NULL DEFAULT 1,
  notify_newsletter INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX accounts_users_created ON accounts_users (created_at, id);
CREATE TABLE accounts_sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  device TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX accounts_sessions_user ON accounts_sessions (user_id);
CREATE TABLE accounts_rotated_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL
);
CREATE INDEX accounts_rotated_tokens_session ON accounts_rotated_tokens (session_id);
CREATE TABLE accounts_one_time_tokens (
  token_hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  user_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX accounts_one_time_tokens_user ON accounts_one_time_tokens (user_id, purpose);
CREATE TABLE accounts_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX accounts_audit_user ON accounts_audit (user_id, id);
CREATE INDEX accounts_audit_email ON accounts_audit (email, id);
CREATE TABLE accounts_login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0
);
)sql");
}

constexpr std::array<cinestream::sqlite::Migration, 1> kMigrations{{
    {1, "accounts: users, sessions, rotated refresh tokens, one-time tokens, audit, throttle",
     &v1_accounts},
}};

}  // namespace

std::span<const cinestream::sqlite::Migration> migrations() {
  return kMigrations;
}

}  // namespace cinestream::accounts::sqlite_backend
