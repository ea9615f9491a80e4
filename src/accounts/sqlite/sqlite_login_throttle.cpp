// Sign-in throttling on SQLite: accounts_login_throttle, one row per key; each failure is one
// IMMEDIATE transaction (read, count, lock), so concurrent failures are all counted.
#include "accounts/sqlite/sqlite_accounts.hpp"
#include "accounts/throttle_policy.hpp"

namespace cinestream::accounts::sqlite_backend {
namespace {

class SqliteLoginThrottle final : public LoginThrottle {
 public:
  explicit SqliteLoginThrottle(ConnectionPool& pool) : pool_(pool) {}

  std::optional<SysSeconds> locked_until(std::string_view key, SysSeconds now) override {
    return pool_.with([&](Connection& c) -> std::optional<SysSeconds> {
      auto st = c.prepare("SELECT locked_until FROM accounts_login_throttle WHERE key = ?1");
      st.bind(1, key);
      if (!st.step()) return std::nullopt;
      auto until = at_seconds(st.integer(0));
      if (until <= now) return std::nullopt;
      return until;
    });
  }

  std::optional<SysSeconds> record_failure(std::string_view key, SysSeconds now,
                                           const ThrottlePolicy& policy) override {
    return pool_.with([&](Connection& c) -> std::optional<SysSeconds> {
      cinestream::sqlite::WriteTransaction tx(c);
      std::int64_t failures = 0;
      std::int64_t window_start = seconds_of(now);
      std::int64_t locked = 0;
      auto read = c.prepare(
          "SELECT failures, window_start, locked_until FROM accounts_login_throttle WHERE key = "
          "?1");
      read.bind(1, key);
      if (read.step()) {
        failures = read.integer(0);
        window_start = read.integer(1);
        locked = read.integer(2);
      }
      if (seconds_of(now) - window_start > policy.window.count() && locked <= seconds_of(now)) {
        failures = 0;
        window_start = seconds_of(now);
      }
      ++failures;
      std::optional<SysSeconds> until;
      if (auto lock = lock_after(failures, policy)) {
        until = now + *lock;
        locked = std::max(locked, seconds_of(*until));
      }
      auto write = c.prepare(
          "INSERT INTO accounts_login_throttle (key, failures, window_start, locked_until) "
          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
          "window_start = excluded.window_start, locked_until = excluded.locked_until");
      write.bind(1, key).bind(2, failures).bind(3, window_start).bind(4, locked);
      write.run();
      tx.commit();
      return until;
    });
  }

  void clear(std::string_view key) override {
    pool_.with([&](Connection& c) {
      auto st = c.prepare("DELETE FROM accounts_login_throttle WHERE key = ?1");
      st.bind(1, key);
      st.run();
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<LoginThrottle> make_login_throttle(ConnectionPool& pool) {
  return std::make_unique<SqliteLoginThrottle>(pool);
}

}  // namespace cinestream::accounts::sqlite_backend
