#pragma once
// The accounts repositories on MongoDB (collections accounts_*), built on the store's client pool.
// No multi-document transactions (a standalone server has none): every write that must not be
// lost or doubled is one single-document operation guarded by a unique index.
#include <memory>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/store/bson_doc.hpp"
#include "cinestream/store/mongo_db.hpp"

namespace cinestream::accounts::mongo_backend {

using cinestream::mongo::ClientPool;
using cinestream::mongo::Conn;
using cinestream::mongo::Doc;

inline constexpr const char* kUsers = "accounts_users";
inline constexpr const char* kSessions = "accounts_sessions";
inline constexpr const char* kTokens = "accounts_one_time_tokens";
inline constexpr const char* kAudit = "accounts_audit";
inline constexpr const char* kThrottle = "accounts_login_throttle";

inline SysSeconds date_or_epoch(const bson_t* d, const char* path) {
  return cinestream::mongo::date_at(d, path).value_or(SysSeconds{});
}

std::span<const cinestream::mongo::Migration> migrations();
std::unique_ptr<UserRepository> make_user_repository(ClientPool& pool);
std::unique_ptr<SessionRepository> make_session_repository(ClientPool& pool);
std::unique_ptr<OneTimeTokenRepository> make_one_time_token_repository(ClientPool& pool);
std::unique_ptr<AuditLog> make_audit_log(ClientPool& pool);
std::unique_ptr<LoginThrottle> make_login_throttle(ClientPool& pool);

}  // namespace cinestream::accounts::mongo_backend
