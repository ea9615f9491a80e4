// Single-use email tokens on SQLite: accounts_one_time_tokens.
#include "accounts/sqlite/sqlite_accounts.hpp"
#include "cinestream/mail/outbox.hpp"

namespace cinestream::accounts::sqlite_backend {
namespace {

class SqliteOneTimeTokenRepository final : public OneTimeTokenRepository {
 public:
  explicit SqliteOneTimeTokenRepository(ConnectionPool& pool) : pool_(pool) {}

  void issue(TokenPurpose purpose, std::string_view user_id, std::string_view hash,
             SysSeconds expires_at, const mail::Message& message) override {
    pool_.with([&](Connection& c) {
      cinestream::sqlite::WriteTransaction tx(c);
      auto withdraw = c.prepare(
          "UPDATE accounts_one_time_tokens SET used = 1 WHERE user_id = ?1 AND purpose = ?2");
      withdraw.bind(1, user_id).bind(2, purpose_name(purpose));
      withdraw.run();
      auto st = c.prepare(
          "INSERT INTO accounts_one_time_tokens (token_hash, purpose, user_id, expires_at) "
          "VALUES (?1, ?2, ?3, ?4)");
      st.bind(1, hash).bind(2, purpose_name(purpose)).bind(3, user_id);
      st.bind(4, seconds_of(expires_at));
      st.run();
      mail::enqueue(c, message, std::chrono::system_clock::now());
      tx.commit();
    });
  }

  std::optional<std::string> consume(TokenPurpose purpose, std::string_view hash,
                                     SysSeconds now) override {
    return pool_.with([&](Connection& c) -> std::optional<std::string> {
      // One statement: of two requests with the same token, one changes the row.
      auto st = c.prepare(
          "UPDATE accounts_one_time_tokens SET used = 1 WHERE token_hash = ?1 AND purpose = ?2 "
          "AND used = 0 AND expires_at > ?3 RETURNING user_id");
      st.bind(1, hash).bind(2, purpose_name(purpose)).bind(3, seconds_of(now));
      if (!st.step()) return std::nullopt;
      std::string user = st.text(0);
      while (st.step()) {
      }
      return user;
    });
  }

  bool usable(TokenPurpose purpose, std::string_view hash, SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT 1 FROM accounts_one_time_tokens WHERE token_hash = ?1 AND purpose = ?2 "
          "AND used = 0 AND expires_at > ?3");
      st.bind(1, hash).bind(2, purpose_name(purpose)).bind(3, seconds_of(now));
      return st.step();
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<OneTimeTokenRepository> make_one_time_token_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteOneTimeTokenRepository>(pool);
}

}  // namespace cinestream::accounts::sqlite_backend
