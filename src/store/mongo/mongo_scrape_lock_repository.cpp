// The city lock on MongoDB: fields of the location document, each operation one filtered update
// or findAndModify whose match count is checked.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

// The filter of a lock that may be taken: not processing, or its lease lapsed.
void append_lock_free(Doc& filter, SysSeconds now) {
  Doc or_list;
  {
    Doc a;
    Doc ne;
    ne.str("$ne", "processing");
    a.doc("status", ne);
    or_list.push(a);
  }
  {
    Doc b;
    b.null("lock_expires");  // also matches a missing field
    or_list.push(b);
  }
  {
    Doc c;
    Doc lte;
    lte.date("$lte", now);
    c.doc("lock_expires", lte);
    or_list.push(c);
  }
  filter.array("$or", or_list);
}

class MongoScrapeLockRepository final : public ScrapeLockRepository {
 public:
  explicit MongoScrapeLockRepository(ClientPool& pool) : pool_(pool) {}

  LockResult try_lock_city(std::string_view city_id, std::string_view owner,
                           std::string_view source, std::chrono::seconds lease,
                           SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id);
      append_lock_free(filter, now);
      Doc set;
      set.str("status", "processing")
          .str("lock_owner", owner)
          .date("lock_expires", now + lease)
          .str("lock_source", source)
          .str("error", "")
          .str("progress", "");
      Doc update;
      update.doc("$set", set);
      if (auto doc = find_and_modify(c, "locations", filter, update))
        return LockResult{LockOutcome::acquired, read_state(doc->get())};
      auto state = state_of(c, city_id);
      if (!state) return LockResult{LockOutcome::unknown_city, {}};
      return LockResult{LockOutcome::held, *state};
    });
  }

  bool renew_city_lock(std::string_view city_id, std::string_view owner, std::chrono::seconds lease,
                       SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().date("lock_expires", now + lease));
      Doc filter;
      held_by(filter, city_id, owner);
      return update_one(c, "locations", filter, update, false).matched == 1;
    });
  }

  bool release_city_lock(std::string_view city_id, std::string_view owner,
                         ScrapeStatus final_status, std::string_view error,
                         SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc set;
      set.str("status", to_string(final_status))
          .str("error", error)
          .str("lock_owner", "")
          .null("lock_expires")
          .str("lock_source", "");
      if (final_status == ScrapeStatus::fresh) set.date("last_updated", now);
      Doc update;
      // The holder's merges are over: a page cached from one that stopped half-way is dropped.
      update.doc("$set", set).doc("$inc", Doc().i64("data_version", 1));
      Doc filter;
      held_by(filter, city_id, owner);
      return update_one(c, "locations", filter, update, false).matched == 1;
    });
  }

  std::vector<std::string> expire_lapsed_locks(SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      std::vector<std::string> ids;
      // One atomic findAndModify per lapsed city, so each is reported by exactly one caller.
      for (int guard = 0; guard < 100000; ++guard) {
        Doc filter;
        filter.str("status", "processing");
        Doc or_list;
        or_list.push(Doc().null("lock_expires"));
        Doc lte;
        lte.date("$lte", now);
        or_list.push(Doc().doc("lock_expires", lte));
        filter.array("$or", or_list);
        Doc set;
        set.str("status", "stale")
            .str("lock_owner", "")
            .null("lock_expires")
            .str("lock_source", "")
            .str("error", "lock lease lapsed");
        Doc update;
        // The holder died, perhaps mid-merge: readers re-read whatever it wrote.
        update.doc("$set", set).doc("$inc", Doc().i64("data_version", 1));
        auto doc = find_and_modify(c, "locations", filter, update);
        if (!doc) break;
        ids.push_back(str_at(doc->get(), "city_id"));
      }
      return ids;
    });
  }

  bool set_progress(std::string_view city_id, std::string_view owner,
                    std::string_view progress_json) override {
    return pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().str("progress", progress_json));
      Doc filter;
      held_by(filter, city_id, owner);
      return update_one(c, "locations", filter, update, false).matched == 1;
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<ScrapeLockRepository> make_scrape_lock_repository(ClientPool& pool) {
  return std::make_unique<MongoScrapeLockRepository>(pool);
}

}  // namespace cinestream::mongo
