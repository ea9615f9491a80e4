// Refresh sessions on SQLite: accounts_sessions and the hashes they rotated away from
// (accounts_rotated_tokens). Rotation is one IMMEDIATE transaction.
#include <vector>

#include "accounts/sqlite/sqlite_accounts.hpp"

namespace cinestream::accounts::sqlite_backend {
namespace {

constexpr const char* kColumns =
    "id, user_id, token_hash, device, address, created_at, last_used_at, expires_at, revoked";

Session read_session(const cinestream::sqlite::Statement& st) {
  Session s;
  s.id = st.text(0);
  s.user_id = st.text(1);
  s.token_hash = st.text(2);
  s.device = st.text(3);
  s.address = st.text(4);
  s.created_at = at_seconds(st.integer(5));
  s.last_used_at = at_seconds(st.integer(6));
  s.expires_at = at_seconds(st.integer(7));
  s.revoked = st.integer(8) != 0;
  return s;
}

std::optional<Session> session_where(Connection& c, const char* where, std::string_view key) {
  auto st = c.prepare(fmt::format("SELECT {} FROM accounts_sessions WHERE {}", kColumns, where));
  st.bind(1, key);
  if (!st.step()) return std::nullopt;
  return read_session(st);
}

class SqliteSessionRepository final : public SessionRepository {
 public:
  explicit SqliteSessionRepository(ConnectionPool& pool) : pool_(pool) {}

  void create(const Session& s) override {
    pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format(
          "INSERT INTO accounts_sessions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
          kColumns));
      st.bind(1, s.id).bind(2, s.user_id).bind(3, s.token_hash).bind(4, s.device);
      st.bind(5, s.address).bind(6, seconds_of(s.created_at)).bind(7, seconds_of(s.last_used_at));
      st.bind(8, seconds_of(s.expires_at)).bind(9, std::int64_t{s.revoked});
      st.run();
    });
  }

  RotateResult rotate(std::string_view old_hash, std::string_view new_hash,
                      SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      cinestream::sqlite::WriteTransaction tx(c);
      RotateResult r;
      auto current = session_where(c, "token_hash = ?1", old_hash);
      if (!current) {
        auto used =
            c.prepare("SELECT session_id FROM accounts_rotated_tokens WHERE token_hash = ?1");
        used.bind(1, old_hash);
        if (!used.step()) return r;  // unknown
        std::string sid = used.text(0);
        auto revoke = c.prepare("UPDATE accounts_sessions SET revoked = 1 WHERE id = ?1");
        revoke.bind(1, sid);
        revoke.run();
        r.session = session_where(c, "id = ?1", sid);
        tx.commit();
        r.outcome = RotateOutcome::reused;
        return r;
      }
      r.session = current;
      if (current->revoked) {
        r.outcome = RotateOutcome::revoked;
        return r;
      }
      if (current->expires_at <= now) {
        r.outcome = RotateOutcome::expired;
        return r;
      }
      auto keep =
          c.prepare("INSERT INTO accounts_rotated_tokens (token_hash, session_id) VALUES (?1, ?2)");
      keep.bind(1, old_hash).bind(2, current->id);
      keep.run();
      auto st = c.prepare(
          "UPDATE accounts_sessions SET token_hash = ?2, last_used_at = ?3 WHERE id = ?1");
      st.bind(1, current->id).bind(2, new_hash).bind(3, seconds_of(now));
      st.run();
      tx.commit();
      r.session->token_hash = std::string(new_hash);
      r.session->last_used_at = now;
      r.outcome = RotateOutcome::rotated;
      return r;
    });
  }

  std::optional<Session> by_token(std::string_view hash) override {
    return pool_.with([&](Connection& c) { return session_where(c, "token_hash = ?1", hash); });
  }

  std::optional<Session> by_id(std::string_view id) override {
    return pool_.with([&](Connection& c) { return session_where(c, "id = ?1", id); });
  }

  std::vector<Session> of_user(std::string_view user_id, SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format(
          "SELECT {} FROM accounts_sessions WHERE user_id = ?1 AND revoked = 0 AND expires_at > ?2 "
          "ORDER BY last_used_at DESC, id",
          kColumns));
      st.bind(1, user_id).bind(2, seconds_of(now));
      std::vector<Session> out;
      while (st.step())
        out.push_back(read_session(st));
      return out;
    });
  }

  bool revoke(std::string_view user_id, std::string_view session_id) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE accounts_sessions SET revoked = 1 WHERE id = ?1 AND user_id = ?2 AND revoked = "
          "0");
      st.bind(1, session_id).bind(2, user_id);
      st.run();
      return c.changes() == 1;
    });
  }

  std::size_t revoke_all(std::string_view user_id) override {
    return pool_.with([&](Connection& c) {
      auto st =
          c.prepare("UPDATE accounts_sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0");
      st.bind(1, user_id);
      st.run();
      return static_cast<std::size_t>(c.changes());
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<SessionRepository> make_session_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteSessionRepository>(pool);
}

}  // namespace cinestream::accounts::sqlite_backend
