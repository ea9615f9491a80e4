#pragma once
// The accounts repositories on SQLite (tables accounts_*), built on the store's connection pool.
#include <memory>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::accounts::sqlite_backend {

using cinestream::sqlite::Connection;
using cinestream::sqlite::ConnectionPool;

inline std::int64_t seconds_of(SysSeconds t) {
  return t.time_since_epoch().count();
}
inline SysSeconds at_seconds(std::int64_t s) {
  return SysSeconds{std::chrono::seconds(s)};
}

std::span<const cinestream::sqlite::Migration> migrations();
std::unique_ptr<UserRepository> make_user_repository(ConnectionPool& pool);
std::unique_ptr<SessionRepository> make_session_repository(ConnectionPool& pool);
std::unique_ptr<OneTimeTokenRepository> make_one_time_token_repository(ConnectionPool& pool);
std::unique_ptr<AuditLog> make_audit_log(ConnectionPool& pool);
std::unique_ptr<LoginThrottle> make_login_throttle(ConnectionPool& pool);

}  // namespace cinestream::accounts::sqlite_backend
