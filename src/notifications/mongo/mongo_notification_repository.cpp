// Notifications on MongoDB: collections notify_notices, notify_counters (the notices' increasing
// ids), notify_settings, notify_claims, notify_cities and notify_arrivals. No transactions: every
// exactly-once step is one filtered single-document update whose match count says who won.
// Documents are found by fields of their own (`key`, `user_id`, `city`), never by a chosen _id
// (the test peer ignores a filter's _id on upsert); the unique indexes hold on a real server.
#include <fmt/format.h>

#include <set>
#include <string>

#include "cinestream/mail/outbox.hpp"
#include "notifications/claim_key.hpp"
#include "notifications/mongo/mongo_notifications.hpp"

namespace cinestream::notifications::mongo_backend {
namespace {

using mongo::ClientPool;
using mongo::Conn;
using mongo::Doc;

const mongo::Migration kMigrations[] = {
    {1, "notifications: notices, settings, claims, arrivals",
     [](Conn& c) {
       {
         Doc list;
         mongo::index(list, "id_unique", Doc().i32("id", 1), true);
         mongo::index(list, "user_id", Doc().i32("user_id", 1).i32("id", -1));
         mongo::create_indexes(c, "notify_notices", list);
       }
       {
         Doc list;
         mongo::index(list, "key_unique", Doc().i32("key", 1), true);
         mongo::create_indexes(c, "notify_counters", list);
         Doc update;
         update.doc("$setOnInsert", Doc().i64("seq", 0));
         mongo::update_one(c, "notify_counters", Doc().str("key", "notices"), update, true);
       }
       {
         Doc list;
         mongo::index(list, "user_unique", Doc().i32("user_id", 1), true);
         mongo::index(list, "followed", Doc().i32("followed_cities", 1).i32("user_id", 1));
         mongo::index(list, "digest", Doc().i32("email_digest", 1).i32("digest_day", 1));
         mongo::create_indexes(c, "notify_settings", list);
       }
       {
         Doc list;
         mongo::index(list, "key_unique", Doc().i32("key", 1), true);
         mongo::index(list, "user_id", Doc().i32("user_id", 1));
         mongo::create_indexes(c, "notify_claims", list);
       }
       {
         Doc list;
         mongo::index(list, "city_unique", Doc().i32("city", 1), true);
         mongo::create_indexes(c, "notify_cities", list);
       }
       Doc list;
       mongo::index(list, "key_unique", Doc().i32("key", 1), true);
       mongo::index(list, "city", Doc().i32("city", 1));
       mongo::index(list, "pending", Doc().i32("pending", 1).i32("first_seen_at", 1));
       mongo::create_indexes(c, "notify_arrivals", list);
     }},
};

bool bool_at(const bson_t* d, const char* path, bool fallback) {
  bson_iter_t it;
  if (!mongo::find(d, path, it) || !BSON_ITER_HOLDS_BOOL(&it)) return fallback;
  return bson_iter_bool(&it);
}

std::vector<std::string> strings_at(const bson_t* d, const char* path) {
  std::vector<std::string> out;
  bson_iter_t it, child;
  if (!mongo::find(d, path, it) || !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &child))
    return out;
  while (bson_iter_next(&child))
    out.push_back(mongo::str_of(child));
  return out;
}

std::string arrival_key(std::int64_t film_id, std::string_view city) {
  return fmt::format("{}|{}", film_id, city);
}

Notice notice_of(const bson_t* d) {
  Notice n;
  n.id = mongo::int_at(d, "id");
  n.user_id = mongo::str_at(d, "user_id");
  n.film_id = mongo::int_at(d, "film_id");
  n.city = mongo::str_at(d, "city");
  n.kind = mongo::str_at(d, "kind");
  n.created_at = mongo::date_at(d, "created_at").value_or(SysSeconds{});
  n.read_at = mongo::date_at(d, "read_at");
  return n;
}

std::vector<Notice> notices_after(Conn& c, std::string_view user_id, std::int64_t after_id,
                                  std::size_t limit) {
  Doc filter;
  filter.str("user_id", user_id).doc("id", Doc().i64("$gt", after_id));
  std::vector<Notice> out;
  mongo::find_page(c, "notify_notices", filter, Doc().i32("id", 1), 0,
                   static_cast<std::int64_t>(limit),
                   [&](const bson_t* d) { out.push_back(notice_of(d)); });
  return out;
}

std::int64_t next_notice_id(Conn& c) {
  Doc update;
  update.doc("$inc", Doc().i64("seq", 1));
  auto doc = mongo::find_and_modify(c, "notify_counters", Doc().str("key", "notices"), update);
  if (!doc) throw StoreUnavailable("notifications: the notice counter is missing (migrate first)");
  return mongo::int_at(doc->get(), "seq");
}

class MongoNotificationRepository final : public NotificationRepository {
 public:
  explicit MongoNotificationRepository(ClientPool& pool) : pool_(pool) {}

  ScanResult scan_city(std::string_view city, const std::vector<std::int64_t>& playing,
                       SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      ScanResult out;
      {
        Doc update;
        update.doc("$setOnInsert", Doc().boolean("ready", false).date("since", now));
        mongo::update_one(c, "notify_cities", Doc().str("city", city), update, true);
      }
      bool ready = false;
      mongo::find(c, "notify_cities", Doc().str("city", city), Doc(),
                  [&](const bson_t* d) { ready = ready || bool_at(d, "ready", false); });
      out.baseline = !ready;
      std::set<std::int64_t> recorded;
      mongo::find(c, "notify_arrivals", Doc().str("city", city), Doc(),
                  [&](const bson_t* d) { recorded.insert(mongo::int_at(d, "film_id")); });
      std::set<std::int64_t> now_playing(playing.begin(), playing.end());
      for (auto film : now_playing) {
        if (recorded.contains(film)) continue;
        Doc fields;
        fields.i64("film_id", film)
            .str("city", city)
            .date("first_seen_at", now)
            .boolean("pending", ready);
        Doc update;
        update.doc("$setOnInsert", fields);
        auto r = mongo::update_one(c, "notify_arrivals", Doc().str("key", arrival_key(film, city)),
                                   update, true);
        if (ready && r.upserted) ++out.arrived;
      }
      if (ready) {
        for (auto film : recorded) {
          if (now_playing.contains(film)) continue;
          out.gone += static_cast<std::size_t>(
              mongo::delete_one(c, "notify_arrivals", Doc().str("key", arrival_key(film, city))));
        }
      } else {
        // The baseline is recorded: from now on what is new has arrived.
        Doc update;
        update.doc("$set", Doc().boolean("ready", true));
        mongo::update_one(c, "notify_cities", Doc().str("city", city), update, false);
      }
      return out;
    });
  }

  std::vector<Arrival> pending_arrivals(std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      std::vector<Arrival> out;
      Doc sort;
      sort.i32("first_seen_at", 1).i32("city", 1).i32("film_id", 1);
      mongo::find_page(
          c, "notify_arrivals", Doc().boolean("pending", true), sort, 0,
          static_cast<std::int64_t>(limit), [&](const bson_t* d) {
            out.push_back(Arrival{mongo::int_at(d, "film_id"), mongo::str_at(d, "city"),
                                  mongo::date_at(d, "first_seen_at").value_or(SysSeconds{})});
          });
      return out;
    });
  }

  void finish_arrival(std::int64_t film_id, std::string_view city) override {
    pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().boolean("pending", false));
      mongo::update_one(c, "notify_arrivals", Doc().str("key", arrival_key(film_id, city)), update,
                        false);
    });
  }

  std::optional<Notice> claim_notice(std::string_view user_id, std::int64_t film_id,
                                     std::string_view city, SysSeconds now,
                                     std::chrono::seconds window, bool read) override {
    return pool_.with([&](Conn& c) -> std::optional<Notice> {
      auto key = claim_key(user_id, film_id, city);
      {
        Doc update;
        update.doc("$setOnInsert",
                   Doc().str("user_id", user_id).date("last_notified_at", SysSeconds{}));
        mongo::update_one(c, "notify_claims", Doc().str("key", key), update, true);
      }
      Doc filter;
      filter.str("key", key).doc("last_notified_at", Doc().date("$lte", now - window));
      Doc update;
      update.doc("$set", Doc().date("last_notified_at", now));
      if (mongo::update_one(c, "notify_claims", filter, update, false).matched == 0)
        return std::nullopt;  // notified within the window, by this process or another
      // A crash between the claim and this insert loses this one notice (no transactions).
      Notice n{next_notice_id(c),
               std::string(user_id),
               film_id,
               std::string(city),
               "now_playing",
               now,
               read ? std::optional<SysSeconds>(now) : std::nullopt};
      Doc doc;
      doc.i64("id", n.id)
          .str("user_id", user_id)
          .i64("film_id", film_id)
          .str("city", city)
          .str("kind", n.kind)
          .date("created_at", now)
          .date_or_null("read_at", n.read_at);
      mongo::insert_one(c, "notify_notices", doc);
      return n;
    });
  }

  NoticePage notices(std::string_view user_id, bool unread_only, std::int64_t before,
                     std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      NoticePage page;
      Doc filter;
      filter.str("user_id", user_id);
      if (before > 0) filter.doc("id", Doc().i64("$lt", before));
      if (unread_only) filter.null("read_at");
      mongo::find_page(c, "notify_notices", filter, Doc().i32("id", -1), 0,
                       static_cast<std::int64_t>(limit),
                       [&](const bson_t* d) { page.notices.push_back(notice_of(d)); });
      page.unread = mongo::count_documents(c, "notify_notices",
                                           Doc().str("user_id", user_id).null("read_at"));
      return page;
    });
  }

  std::vector<Notice> since(std::string_view user_id, std::int64_t after_id,
                            std::size_t limit) override {
    return pool_.with([&](Conn& c) { return notices_after(c, user_id, after_id, limit); });
  }

  std::size_t mark_read(std::string_view user_id, const std::vector<std::int64_t>& ids,
                        SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      std::size_t changed = 0;
      for (auto id : ids) {
        Doc filter;
        filter.str("user_id", user_id).i64("id", id).null("read_at");
        Doc update;
        update.doc("$set", Doc().date("read_at", now));
        changed += static_cast<std::size_t>(
            mongo::update_one(c, "notify_notices", filter, update, false).matched);
      }
      return changed;
    });
  }

  std::size_t mark_all_read(std::string_view user_id, SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().date("read_at", now));
      return static_cast<std::size_t>(mongo::update_many(
          c, "notify_notices", Doc().str("user_id", user_id).null("read_at"), update));
    });
  }

  Settings settings(std::string_view user_id) override {
    return pool_.with([&](Conn& c) {
      Settings s;
      mongo::find(c, "notify_settings", Doc().str("user_id", user_id), Doc(), [&](const bson_t* d) {
        s.in_app = bool_at(d, "in_app", true);
        s.push = bool_at(d, "push", true);
        s.email_digest = bool_at(d, "email_digest", false);
        s.followed_cities = strings_at(d, "followed_cities");
      });
      return s;
    });
  }

  void save_settings(std::string_view user_id, const Settings& s, SysSeconds now) override {
    pool_.with([&](Conn& c) {
      Doc cities;
      for (const auto& city : s.followed_cities)
        cities.push_str(city);
      Doc set;
      set.boolean("in_app", s.in_app)
          .boolean("push", s.push)
          .boolean("email_digest", s.email_digest)
          .array("followed_cities", cities)
          .date("updated_at", now);
      Doc update;
      update.doc("$set", set)
          .doc("$setOnInsert", Doc().i64("digest_after_id", 0).str("digest_day", ""));
      mongo::update_one(c, "notify_settings", Doc().str("user_id", user_id), update, true);
    });
  }

  DigestScan digests_due(std::string_view day, std::string_view after_user, std::size_t users,
                         std::size_t notices_per_user) override {
    return pool_.with([&](Conn& c) {
      std::vector<std::pair<std::string, std::int64_t>> candidates;
      Doc filter;
      filter.boolean("email_digest", true)
          .doc("digest_day", Doc().str("$ne", day))
          .doc("user_id", Doc().str("$gt", after_user));
      mongo::find_page(c, "notify_settings", filter, Doc().i32("user_id", 1), 0,
                       static_cast<std::int64_t>(users), [&](const bson_t* d) {
                         candidates.emplace_back(mongo::str_at(d, "user_id"),
                                                 mongo::int_at(d, "digest_after_id"));
                       });
      DigestScan out;
      out.more = candidates.size() >= users;
      for (auto& [user, after] : candidates) {
        out.last_user = user;
        auto list = notices_after(c, user, after, notices_per_user);
        if (!list.empty()) out.due.push_back(DigestDue{user, std::move(list)});
      }
      return out;
    });
  }

  bool claim_digest(std::string_view user_id, std::string_view day, std::int64_t up_to_id,
                    const mail::Message& message, SysSeconds now) override {
    // No recipient: the day is only marked done. Else checked before anything is written.
    if (!message.to.empty()) mail::check(message);
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("user_id", user_id).doc("digest_day", Doc().str("$ne", day));
      Doc update;
      // up_to_id is the newest notice the digest lists, above the mark digests_due read.
      update.doc("$set", Doc().str("digest_day", day).i64("digest_after_id", up_to_id));
      if (mongo::update_one(c, "notify_settings", filter, update, false).matched == 0) return false;
      // Right after the claim; a crash in between loses this one digest, never sends two.
      if (!message.to.empty()) mail::enqueue(c, message, now);
      return true;
    });
  }

  void erase_user(std::string_view user_id) override {
    pool_.with([&](Conn& c) {
      for (const char* coll : {"notify_notices", "notify_claims", "notify_settings"})
        mongo::delete_many(c, coll, Doc().str("user_id", user_id));
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::span<const mongo::Migration> migrations() {
  return kMigrations;
}

std::unique_ptr<NotificationRepository> make_notification_repository(ClientPool& pool) {
  return std::make_unique<MongoNotificationRepository>(pool);
}

}  // namespace cinestream::notifications::mongo_backend
