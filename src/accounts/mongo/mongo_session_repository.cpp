// Refresh sessions on MongoDB: one document per session in accounts_sessions, holding its current
// token hash (unique index) and the hashes it rotated away from (the last kKeptRotations).
// Rotation is one findAndModify matched on the current hash: of two uses of one token, one wins.
#include <vector>

#include "accounts/mongo/mongo_accounts.hpp"

namespace cinestream::accounts::mongo_backend {
namespace {

using cinestream::mongo::int_at;
using cinestream::mongo::str_at;

// A token is rotated at most every access-token lifetime (15 min) while in use: 30 days of
// rotations is under 3000; reuse of a token older than the kept ones is "unknown" (401 too).
constexpr std::int32_t kKeptRotations = 3000;

Session read_session(const bson_t* d) {
  Session s;
  s.id = str_at(d, "id");
  s.user_id = str_at(d, "user_id");
  s.token_hash = str_at(d, "token_hash");
  s.device = str_at(d, "device");
  s.address = str_at(d, "address");
  s.created_at = date_or_epoch(d, "created_at");
  s.last_used_at = date_or_epoch(d, "last_used_at");
  s.expires_at = date_or_epoch(d, "expires_at");
  s.revoked = int_at(d, "revoked") != 0;
  return s;
}

class MongoSessionRepository final : public SessionRepository {
 public:
  explicit MongoSessionRepository(ClientPool& pool) : pool_(pool) {}

  void create(const Session& s) override {
    pool_.with([&](Conn& c) {
      Doc d;
      d.str("id", s.id).str("user_id", s.user_id).str("token_hash", s.token_hash);
      d.array("rotated_hashes", Doc()).str("device", s.device).str("address", s.address);
      d.date("created_at", s.created_at).date("last_used_at", s.last_used_at);
      d.date("expires_at", s.expires_at).i64("revoked", s.revoked);
      cinestream::mongo::insert_one(c, kSessions, d);
    });
  }

  RotateResult rotate(std::string_view old_hash, std::string_view new_hash,
                      SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      RotateResult r;
      Doc filter;
      filter.str("token_hash", old_hash)
          .i64("revoked", 0)
          .doc("expires_at", Doc().date("$gt", now));
      Doc each;
      each.push_str(old_hash);
      Doc update;
      update.doc("$set", Doc().str("token_hash", new_hash).date("last_used_at", now));
      update.doc("$push", Doc().doc("rotated_hashes",
                                    Doc().array("$each", each).i32("$slice", -kKeptRotations)));
      if (auto doc = cinestream::mongo::find_and_modify(c, kSessions, filter, update)) {
        r.session = read_session(doc->get());
        r.outcome = RotateOutcome::rotated;
        return r;
      }
      r.session = one(c, Doc().str("token_hash", old_hash));
      if (r.session) {
        r.outcome = r.session->revoked ? RotateOutcome::revoked : RotateOutcome::expired;
        return r;
      }
      Doc used;
      used.str("rotated_hashes", old_hash);
      Doc revoke;
      revoke.doc("$set", Doc().i64("revoked", 1));
      if (auto doc = cinestream::mongo::find_and_modify(c, kSessions, used, revoke)) {
        r.session = read_session(doc->get());
        r.outcome = RotateOutcome::reused;
      }
      return r;
    });
  }

  std::optional<Session> by_token(std::string_view hash) override {
    return pool_.with([&](Conn& c) { return one(c, Doc().str("token_hash", hash)); });
  }
  std::optional<Session> by_id(std::string_view id) override {
    return pool_.with([&](Conn& c) { return one(c, Doc().str("id", id)); });
  }

  std::vector<Session> of_user(std::string_view user_id, SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("user_id", user_id).i64("revoked", 0).doc("expires_at", Doc().date("$gt", now));
      std::vector<Session> out;
      cinestream::mongo::find(c, kSessions, filter, Doc().i32("last_used_at", -1).i32("id", 1),
                              [&](const bson_t* d) { out.push_back(read_session(d)); });
      return out;
    });
  }

  bool revoke(std::string_view user_id, std::string_view session_id) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("id", session_id).str("user_id", user_id).i64("revoked", 0);
      Doc update;
      update.doc("$set", Doc().i64("revoked", 1));
      return cinestream::mongo::update_one(c, kSessions, filter, update, false).matched == 1;
    });
  }

  std::size_t revoke_all(std::string_view user_id) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("user_id", user_id).i64("revoked", 0);
      Doc update;
      update.doc("$set", Doc().i64("revoked", 1));
      // The count the server changed: a session another request revokes meanwhile is not ours.
      return static_cast<std::size_t>(cinestream::mongo::update_many(c, kSessions, filter, update));
    });
  }

 private:
  static std::optional<Session> one(Conn& c, const Doc& filter) {
    std::optional<Session> s;
    cinestream::mongo::find(c, kSessions, filter, Doc(),
                            [&](const bson_t* d) { s = read_session(d); });
    return s;
  }

  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<SessionRepository> make_session_repository(ClientPool& pool) {
  return std::make_unique<MongoSessionRepository>(pool);
}

}  // namespace cinestream::accounts::mongo_backend
