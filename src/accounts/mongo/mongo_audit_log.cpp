// The accounts audit log on MongoDB: accounts_audit, append-only; ObjectIds order events made in
// the same second.
#include <vector>

#include "accounts/mongo/mongo_accounts.hpp"

namespace cinestream::accounts::mongo_backend {
namespace {

using cinestream::mongo::str_at;

class MongoAuditLog final : public AuditLog {
 public:
  explicit MongoAuditLog(ClientPool& pool) : pool_(pool) {}

  void append(const AuditEvent& e) override {
    pool_.with([&](Conn& c) {
      bson_oid_t oid;
      bson_oid_init(&oid, nullptr);
      Doc d;
      d.oid("_id", oid).date("at", e.at).str("kind", e.kind).str("user_id", e.user_id);
      d.str("email", e.email).str("address", e.address).str("detail", e.detail);
      cinestream::mongo::insert_one(c, kAudit, d);
    });
  }

  std::vector<AuditEvent> of_user(std::string_view user_id, std::size_t limit) override {
    return where(Doc().str("user_id", user_id), limit);
  }
  std::vector<AuditEvent> of_email(std::string_view email, std::size_t limit) override {
    return where(Doc().str("email", email), limit);
  }

 private:
  std::vector<AuditEvent> where(const Doc& filter, std::size_t limit) {
    return pool_.with([&](Conn& c) {
      std::vector<AuditEvent> out;
      cinestream::mongo::find(
          c, kAudit, filter, Doc().i32("at", -1).i32("_id", -1), [&](const bson_t* d) {
            if (out.size() >= limit) return;
            out.push_back({date_or_epoch(d, "at"), str_at(d, "kind"), str_at(d, "user_id"),
                           str_at(d, "email"), str_at(d, "address"), str_at(d, "detail")});
          });
      return out;
    });
  }

  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<AuditLog> make_audit_log(ClientPool& pool) {
  return std::make_unique<MongoAuditLog>(pool);
}

}  // namespace cinestream::accounts::mongo_backend
