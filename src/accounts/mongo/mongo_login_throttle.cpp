// Sign-in throttling on MongoDB: accounts_login_throttle, one document per key. Each failure is
// counted by one atomic $inc (findAndModify), so concurrent failures are all counted; the lock is
// raised with $max, so a shorter lock never shortens a longer one.
#include "accounts/mongo/mongo_accounts.hpp"
#include "accounts/throttle_policy.hpp"

namespace cinestream::accounts::mongo_backend {
namespace {

using cinestream::mongo::DuplicateKey;
using cinestream::mongo::int_at;

class MongoLoginThrottle final : public LoginThrottle {
 public:
  explicit MongoLoginThrottle(ClientPool& pool) : pool_(pool) {}

  std::optional<SysSeconds> locked_until(std::string_view key, SysSeconds now) override {
    return pool_.with([&](Conn& c) -> std::optional<SysSeconds> {
      std::optional<SysSeconds> until;
      cinestream::mongo::find(c, kThrottle, Doc().str("key", key), Doc(), [&](const bson_t* d) {
        auto t = date_or_epoch(d, "locked_until");
        if (t > now) until = t;
      });
      return until;
    });
  }

  std::optional<SysSeconds> record_failure(std::string_view key, SysSeconds now,
                                           const ThrottlePolicy& policy) override {
    return pool_.with([&](Conn& c) -> std::optional<SysSeconds> {
      {
        Doc insert;
        insert.doc(
            "$setOnInsert",
            Doc().i64("failures", 0).date("window_start", now).date("locked_until", SysSeconds{}));
        try {
          cinestream::mongo::update_one(c, kThrottle, Doc().str("key", key), insert, true);
        } catch (const DuplicateKey&) {
          // another process created it meanwhile
        }
      }
      // A window that ran out (and holds no lock) starts again.
      Doc stale;
      stale.str("key", key)
          .doc("window_start", Doc().date("$lte", now - policy.window))
          .doc("locked_until", Doc().date("$lte", now));
      Doc restart;
      restart.doc("$set", Doc().i64("failures", 0).date("window_start", now));
      cinestream::mongo::update_one(c, kThrottle, stale, restart, false);
      Doc inc;
      inc.doc("$inc", Doc().i64("failures", 1));
      auto doc = cinestream::mongo::find_and_modify(c, kThrottle, Doc().str("key", key), inc);
      if (!doc) return std::nullopt;
      auto lock = lock_after(int_at(doc->get(), "failures"), policy);
      if (!lock) return std::nullopt;
      SysSeconds until = now + *lock;
      Doc raise;
      raise.doc("$max", Doc().date("locked_until", until));
      cinestream::mongo::update_one(c, kThrottle, Doc().str("key", key), raise, false);
      return until;
    });
  }

  void clear(std::string_view key) override {
    pool_.with(
        [&](Conn& c) { cinestream::mongo::delete_one(c, kThrottle, Doc().str("key", key)); });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<LoginThrottle> make_login_throttle(ClientPool& pool) {
  return std::make_unique<MongoLoginThrottle>(pool);
}

}  // namespace cinestream::accounts::mongo_backend
