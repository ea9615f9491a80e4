// The outbox on MongoDB: no multi-document transaction, so a claim finds the due candidates and
// takes each with one findAndModify filtered on "still queued and due"; a candidate another
// worker took in between no longer matches and is skipped.
#include <fmt/format.h>

#include "outbox_common.hpp"

namespace cinestream::mail {
namespace {

using mongo::Doc;

OutboxEntry read_entry(const bson_t* d) {
  OutboxEntry e;
  if (auto oid = mongo::oid_at(d, "_id")) {
    char hex[25];
    bson_oid_to_string(&*oid, hex);
    e.id = hex;
  }
  e.message = {mongo::str_at(d, "to"), mongo::str_at(d, "subject"), mongo::str_at(d, "body"),
               mongo::str_at(d, "kind")};
  e.status = parse_status(mongo::str_at(d, "status")).value_or(OutboxStatus::queued);
  e.attempts = static_cast<int>(mongo::int_at(d, "attempts"));
  e.created_at = from_ms(mongo::int_at(d, "created_at"));
  e.next_attempt_at = from_ms(mongo::int_at(d, "next_attempt_at"));
  e.lease_owner = mongo::str_at(d, "lease_owner");
  e.last_error = mongo::str_at(d, "last_error");
  return e;
}

// A queued message due at `now`.
void due_filter(Doc& f, std::int64_t now) {
  f.str("status", "queued").doc("next_attempt_at", Doc().i64("$lte", now));
}

class MongoOutboxRepository final : public OutboxRepository {
 public:
  explicit MongoOutboxRepository(mongo::ClientPool& pool) : pool_(pool) {}

  std::vector<OutboxEntry> claim_due(std::string_view owner, std::size_t limit,
                                     Clock::time_point now,
                                     std::chrono::milliseconds lease) override {
    return pool_.with([&](mongo::Conn& c) {
      auto at = to_ms(now);
      std::vector<bson_oid_t> candidates;
      Doc filter;
      due_filter(filter, at);
      mongo::find(c, kCollection, filter, Doc().i32("next_attempt_at", 1).i32("_id", 1),
                  [&](const bson_t* d) {
                    if (candidates.size() >= limit) return;
                    if (auto oid = mongo::oid_at(d, "_id")) candidates.push_back(*oid);
                  });
      std::vector<OutboxEntry> claimed;
      for (const auto& oid : candidates) {
        Doc take;
        take.oid("_id", oid);
        due_filter(take, at);
        Doc update;
        update
            .doc("$set", Doc().str("lease_owner", owner).i64("next_attempt_at", to_ms(now + lease)))
            .doc("$inc", Doc().i32("attempts", 1));
        if (auto doc = mongo::find_and_modify(c, kCollection, take, update))
          claimed.push_back(read_entry(doc->get()));
      }
      return claimed;
    });
  }

  bool mark_sent(std::string_view id, std::string_view owner, Clock::time_point now) override {
    Doc set;
    set.str("status", "sent")
        .i64("sent_at", to_ms(now))
        .str("lease_owner", "")
        .str("last_error", "");
    return fenced(id, owner, set);
  }

  bool schedule_retry(std::string_view id, std::string_view owner, Clock::time_point at,
                      std::string_view error) override {
    Doc set;
    set.i64("next_attempt_at", to_ms(at)).str("lease_owner", "").str("last_error", error);
    return fenced(id, owner, set);
  }

  bool dead_letter(std::string_view id, std::string_view owner, std::string_view error) override {
    Doc set;
    set.str("status", "dead").str("lease_owner", "").str("last_error", error);
    return fenced(id, owner, set);
  }

  OutboxCounts counts() override {
    return pool_.with([&](mongo::Conn& c) {
      OutboxCounts out;
      for (auto status : {OutboxStatus::queued, OutboxStatus::sent, OutboxStatus::dead}) {
        bson_error_t error;
        Doc filter;
        filter.str("status", to_string(status));
        auto n = mongoc_collection_count_documents(c.coll(kCollection), filter.get(), nullptr,
                                                   nullptr, nullptr, &error);
        if (n < 0) mongo::fail("count_documents", error);
        (status == OutboxStatus::queued ? out.queued
         : status == OutboxStatus::sent ? out.sent
                                        : out.dead) = n;
      }
      return out;
    });
  }

  std::vector<OutboxEntry> list() override {
    return pool_.with([&](mongo::Conn& c) {
      std::vector<OutboxEntry> out;
      mongo::find(c, kCollection, Doc(), Doc().i64("created_at", 1).i32("_id", 1),
                  [&](const bson_t* d) { out.push_back(read_entry(d)); });
      return out;
    });
  }

 private:
  // One update filtered on the lease holder; true when it matched.
  bool fenced(std::string_view id, std::string_view owner, const Doc& set) {
    std::string hex(id);
    if (!bson_oid_is_valid(hex.c_str(), hex.size())) return false;
    bson_oid_t oid;
    bson_oid_init_from_string(&oid, hex.c_str());
    return pool_.with([&](mongo::Conn& c) {
      Doc filter;
      filter.oid("_id", oid).str("lease_owner", owner).str("status", "queued");
      Doc update;
      update.doc("$set", set);
      return mongo::update_one(c, kCollection, filter, update, false).matched == 1;
    });
  }

  mongo::ClientPool& pool_;
};

}  // namespace

std::unique_ptr<OutboxRepository> make_mongo_outbox_repository(mongo::ClientPool& pool) {
  return std::make_unique<MongoOutboxRepository>(pool);
}

}  // namespace cinestream::mail
