// The accounts audit log on SQLite: accounts_audit, append-only.
#include <vector>

#include "accounts/sqlite/sqlite_accounts.hpp"

namespace cinestream::accounts::sqlite_backend {
namespace {

class SqliteAuditLog final : public AuditLog {
 public:
  explicit SqliteAuditLog(ConnectionPool& pool) : pool_(pool) {}

  void append(const AuditEvent& e) override {
    pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "INSERT INTO accounts_audit (at, kind, user_id, email, address, detail) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      st.bind(1, seconds_of(e.at)).bind(2, e.kind).bind(3, e.user_id).bind(4, e.email);
      st.bind(5, e.address).bind(6, e.detail);
      st.run();
    });
  }

  std::vector<AuditEvent> of_user(std::string_view user_id, std::size_t limit) override {
    return where("user_id = ?1", user_id, limit);
  }
  std::vector<AuditEvent> of_email(std::string_view email, std::size_t limit) override {
    return where("email = ?1", email, limit);
  }

 private:
  std::vector<AuditEvent> where(const char* condition, std::string_view key, std::size_t limit) {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format(
          "SELECT at, kind, user_id, email, address, detail FROM accounts_audit WHERE {} "
          "ORDER BY id DESC LIMIT ?2",
          condition));
      st.bind(1, key).bind(2, static_cast<std::int64_t>(limit));
      std::vector<AuditEvent> out;
      while (st.step()) {
        out.push_back({at_seconds(st.integer(0)), st.text(1), st.text(2), st.text(3), st.text(4),
                       st.text(5)});
      }
      return out;
    });
  }

  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<AuditLog> make_audit_log(ConnectionPool& pool) {
  return std::make_unique<SqliteAuditLog>(pool);
}

}  // namespace cinestream::accounts::sqlite_backend
