// Accounts on SQLite: the accounts_users table (and, for erase, every accounts_* row of the user).
#include <vector>

#include "accounts/sqlite/sqlite_accounts.hpp"
#include "cinestream/mail/outbox.hpp"

namespace cinestream::accounts::sqlite_backend {
namespace {

constexpr const char* kColumns =
    "id, email, display_name, lang, home_city, role, password_hash, email_verified, disabled, "
    "notify_film_in_city, notify_newsletter, created_at, updated_at";

User read_user(const cinestream::sqlite::Statement& st) {
  User u;
  u.id = st.text(0);
  u.email = st.text(1);
  u.display_name = st.text(2);
  u.lang = st.text(3);
  u.home_city = st.text(4);
  u.role = parse_role(st.text(5)).value_or(Role::customer);
  u.password_hash = st.text(6);
  u.email_verified = st.integer(7) != 0;
  u.disabled = st.integer(8) != 0;
  u.notifications.film_in_my_city = st.integer(9) != 0;
  u.notifications.newsletter = st.integer(10) != 0;
  u.created_at = at_seconds(st.integer(11));
  u.updated_at = at_seconds(st.integer(12));
  return u;
}

class SqliteUserRepository final : public UserRepository {
 public:
  explicit SqliteUserRepository(ConnectionPool& pool) : pool_(pool) {}

  void create(const User& u, const std::optional<IssuedToken>& verification,
              const mail::Message& welcome) override {
    pool_.with([&](Connection& c) {
      // IMMEDIATE: writers are serialised, so the check and the insert cannot interleave.
      cinestream::sqlite::WriteTransaction tx(c);
      auto exists = c.prepare("SELECT 1 FROM accounts_users WHERE email = ?1");
      exists.bind(1, u.email);
      if (exists.step()) throw EmailTaken();
      auto st =
          c.prepare(fmt::format("INSERT INTO accounts_users ({}) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                                kColumns));
      st.bind(1, u.id).bind(2, u.email).bind(3, u.display_name).bind(4, u.lang);
      st.bind(5, u.home_city).bind(6, role_name(u.role)).bind(7, u.password_hash);
      st.bind(8, std::int64_t{u.email_verified}).bind(9, std::int64_t{u.disabled});
      st.bind(10, std::int64_t{u.notifications.film_in_my_city});
      st.bind(11, std::int64_t{u.notifications.newsletter});
      st.bind(12, seconds_of(u.created_at)).bind(13, seconds_of(u.updated_at));
      st.run();
      if (verification) {
        auto token = c.prepare(
            "INSERT INTO accounts_one_time_tokens (token_hash, purpose, user_id, expires_at) "
            "VALUES (?1, ?2, ?3, ?4)");
        token.bind(1, verification->hash).bind(2, purpose_name(verification->purpose));
        token.bind(3, u.id).bind(4, seconds_of(verification->expires_at));
        token.run();
      }
      if (!welcome.to.empty()) mail::enqueue(c, welcome, u.created_at);
      tx.commit();
    });
  }

  std::optional<User> by_email(std::string_view email) override {
    return one(fmt::format("SELECT {} FROM accounts_users WHERE email = ?1", kColumns), email);
  }

  std::optional<User> by_id(std::string_view id) override {
    return one(fmt::format("SELECT {} FROM accounts_users WHERE id = ?1", kColumns), id);
  }

  bool update_profile(const User& u) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE accounts_users SET display_name = ?2, lang = ?3, home_city = ?4, "
          "notify_film_in_city = ?5, notify_newsletter = ?6, updated_at = ?7 WHERE id = ?1");
      st.bind(1, u.id).bind(2, u.display_name).bind(3, u.lang).bind(4, u.home_city);
      st.bind(5, std::int64_t{u.notifications.film_in_my_city});
      st.bind(6, std::int64_t{u.notifications.newsletter}).bind(7, seconds_of(u.updated_at));
      st.run();
      return c.changes() == 1;
    });
  }

  bool set_password_hash(std::string_view id, std::string_view hash, SysSeconds now) override {
    return set(
        id, "password_hash = ?2", [&](auto& st) { st.bind(2, hash); }, now);
  }
  bool set_role(std::string_view id, Role role, SysSeconds now) override {
    return set(
        id, "role = ?2", [&](auto& st) { st.bind(2, role_name(role)); }, now);
  }
  bool set_disabled(std::string_view id, bool disabled, SysSeconds now) override {
    return set(
        id, "disabled = ?2", [&](auto& st) { st.bind(2, std::int64_t{disabled}); }, now);
  }
  bool mark_email_verified(std::string_view id, SysSeconds now) override {
    return set(
        id, "email_verified = ?2", [&](auto& st) { st.bind(2, std::int64_t{1}); }, now);
  }

  std::vector<User> list(std::size_t offset, std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format(
          "SELECT {} FROM accounts_users ORDER BY created_at, id LIMIT ?1 OFFSET ?2", kColumns));
      st.bind(1, static_cast<std::int64_t>(limit)).bind(2, static_cast<std::int64_t>(offset));
      std::vector<User> out;
      while (st.step())
        out.push_back(read_user(st));
      return out;
    });
  }

  bool erase(std::string_view id) override {
    return pool_.with([&](Connection& c) {
      cinestream::sqlite::WriteTransaction tx(c);
      auto find = c.prepare("SELECT email FROM accounts_users WHERE id = ?1");
      find.bind(1, id);
      if (!find.step()) return false;
      std::string email = find.text(0);
      auto by_id = [&](const char* sql) {
        auto st = c.prepare(sql);
        st.bind(1, id);
        st.run();
      };
      by_id(
          "DELETE FROM accounts_rotated_tokens WHERE session_id IN "
          "(SELECT id FROM accounts_sessions WHERE user_id = ?1)");
      by_id("DELETE FROM accounts_sessions WHERE user_id = ?1");
      by_id("DELETE FROM accounts_one_time_tokens WHERE user_id = ?1");
      auto audit = c.prepare("DELETE FROM accounts_audit WHERE user_id = ?1 OR email = ?2");
      audit.bind(1, id).bind(2, email);
      audit.run();
      auto throttle = c.prepare("DELETE FROM accounts_login_throttle WHERE key = ?1");
      throttle.bind(1, fmt::format("email:{}", email));
      throttle.run();
      mail::forget_recipient(c, email);
      by_id("DELETE FROM accounts_users WHERE id = ?1");
      tx.commit();
      return true;
    });
  }

 private:
  std::optional<User> one(const std::string& sql, std::string_view key) {
    return pool_.with([&](Connection& c) -> std::optional<User> {
      auto st = c.prepare(sql);
      st.bind(1, key);
      if (!st.step()) return std::nullopt;
      return read_user(st);
    });
  }

  template <class Bind>
  bool set(std::string_view id, const char* assignment, Bind bind, SysSeconds now) {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          fmt::format("UPDATE accounts_users SET {}, updated_at = ?3 WHERE id = ?1", assignment));
      st.bind(1, id);
      bind(st);
      st.bind(3, seconds_of(now));
      st.run();
      return c.changes() == 1;
    });
  }

  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteUserRepository>(pool);
}

}  // namespace cinestream::accounts::sqlite_backend
