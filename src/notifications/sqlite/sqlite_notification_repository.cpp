// Notifications on SQLite: notify_notices, notify_settings (+ notify_follows, the followed cities
// by city), notify_claims, notify_cities and notify_arrivals. Every write that must be exactly
// once is one IMMEDIATE transaction.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>

#include "cinestream/mail/outbox.hpp"
#include "notifications/claim_key.hpp"
#include "notifications/sqlite/sqlite_notifications.hpp"

namespace cinestream::notifications::sqlite_backend {
namespace {

using sqlite::Connection;

constexpr sqlite::Migration kMigrations[] = {
    {1, "notifications: notices, settings, claims, arrivals",
     [](Connection& c) {
       c.exec(R"sql(
CREATE TABLE IF NOT EXISTS notify_notices (
  id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, film_id INTEGER NOT NULL,
  city TEXT NOT NULL, kind TEXT NOT NULL, created_at INTEGER NOT NULL, read_at INTEGER
);
CREATE INDEX IF NOT EXISTS notify_notices_by_user ON notify_notices (user_id, id);
CREATE TABLE IF NOT EXISTS notify_settings (
  user_id TEXT PRIMARY KEY, in_app INTEGER NOT NULL, push INTEGER NOT NULL,
  email_digest INTEGER NOT NULL, digest_after_id INTEGER NOT NULL DEFAULT 0,
  digest_day TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notify_settings_digest ON notify_settings (email_digest, digest_day);
CREATE TABLE IF NOT EXISTS notify_follows (
  city TEXT NOT NULL, user_id TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (city, user_id)
);
CREATE INDEX IF NOT EXISTS notify_follows_by_user ON notify_follows (user_id);
CREATE TABLE IF NOT EXISTS notify_claims (
  key TEXT PRIMARY KEY, user_id TEXT NOT NULL, last_notified_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notify_claims_by_user ON notify_claims (user_id);
CREATE TABLE IF NOT EXISTS notify_cities (
  city TEXT PRIMARY KEY, since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notify_arrivals (
  city TEXT NOT NULL, film_id INTEGER NOT NULL, first_seen_at INTEGER NOT NULL,
  pending INTEGER NOT NULL, PRIMARY KEY (city, film_id)
);
CREATE INDEX IF NOT EXISTS notify_arrivals_pending ON notify_arrivals (pending, first_seen_at);
)sql");
     }},
};

std::int64_t epoch(SysSeconds t) {
  return t.time_since_epoch().count();
}
SysSeconds from_epoch(std::int64_t s) {
  return SysSeconds{std::chrono::seconds{s}};
}

constexpr const char* kNoticeColumns = "id, user_id, film_id, city, kind, created_at, read_at";

Notice notice_of(const sqlite::Statement& st) {
  Notice n;
  n.id = st.integer(0);
  n.user_id = st.text(1);
  n.film_id = st.integer(2);
  n.city = st.text(3);
  n.kind = st.text(4);
  n.created_at = from_epoch(st.integer(5));
  if (!st.is_null(6)) n.read_at = from_epoch(st.integer(6));
  return n;
}

std::vector<Notice> notices_after(Connection& c, std::string_view user_id, std::int64_t after_id,
                                  std::size_t limit) {
  auto st = c.prepare(fmt::format(
      "SELECT {} FROM notify_notices WHERE user_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
      kNoticeColumns));
  st.bind(1, user_id).bind(2, after_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<Notice> out;
  while (st.step())
    out.push_back(notice_of(st));
  return out;
}

class SqliteNotificationRepository final : public NotificationRepository {
 public:
  explicit SqliteNotificationRepository(sqlite::ConnectionPool& pool) : pool_(pool) {}

  ScanResult scan_city(std::string_view city, const std::vector<std::int64_t>& playing,
                       SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      ScanResult out;
      {
        auto st = c.prepare(
            "INSERT INTO notify_cities (city, since) VALUES (?1, ?2) "
            "ON CONFLICT (city) DO NOTHING");
        st.bind(1, city).bind(2, epoch(now));
        st.run();
        out.baseline = c.changes() > 0;
      }
      std::set<std::int64_t> recorded;
      {
        auto st = c.prepare("SELECT film_id FROM notify_arrivals WHERE city = ?1");
        st.bind(1, city);
        while (st.step())
          recorded.insert(st.integer(0));
      }
      std::set<std::int64_t> now_playing(playing.begin(), playing.end());
      for (auto film : now_playing) {
        if (recorded.contains(film)) continue;
        auto st = c.prepare(
            "INSERT INTO notify_arrivals (city, film_id, first_seen_at, pending) "
            "VALUES (?1, ?2, ?3, ?4)");
        st.bind(1, city).bind(2, film).bind(3, epoch(now)).bind(4, std::int64_t{!out.baseline});
        st.run();
        if (!out.baseline) ++out.arrived;
      }
      for (auto film : recorded) {
        if (now_playing.contains(film)) continue;
        auto st = c.prepare("DELETE FROM notify_arrivals WHERE city = ?1 AND film_id = ?2");
        st.bind(1, city).bind(2, film);
        st.run();
        ++out.gone;
      }
      tx.commit();
      return out;
    });
  }

  std::vector<Arrival> pending_arrivals(std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT film_id, city, first_seen_at FROM notify_arrivals WHERE pending = 1 "
          "ORDER BY first_seen_at, city, film_id LIMIT ?1");
      st.bind(1, static_cast<std::int64_t>(limit));
      std::vector<Arrival> out;
      while (st.step())
        out.push_back(Arrival{st.integer(0), st.text(1), from_epoch(st.integer(2))});
      return out;
    });
  }

  void finish_arrival(std::int64_t film_id, std::string_view city) override {
    pool_.with([&](Connection& c) {
      auto st =
          c.prepare("UPDATE notify_arrivals SET pending = 0 WHERE city = ?1 AND film_id = ?2");
      st.bind(1, city).bind(2, film_id);
      st.run();
    });
  }

  std::optional<Notice> claim_notice(std::string_view user_id, std::int64_t film_id,
                                     std::string_view city, SysSeconds now,
                                     std::chrono::seconds window, bool read) override {
    return pool_.with([&](Connection& c) -> std::optional<Notice> {
      sqlite::WriteTransaction tx(c);
      {
        auto st = c.prepare(
            "INSERT INTO notify_claims (key, user_id, last_notified_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (key) DO UPDATE SET last_notified_at = excluded.last_notified_at "
            "WHERE notify_claims.last_notified_at <= ?4");
        st.bind(1, claim_key(user_id, film_id, city))
            .bind(2, user_id)
            .bind(3, epoch(now))
            .bind(4, epoch(now - window));
        st.run();
        if (c.changes() == 0) return std::nullopt;  // notified within the window
      }
      Notice n{0,
               std::string(user_id),
               film_id,
               std::string(city),
               "now_playing",
               now,
               read ? std::optional<SysSeconds>(now) : std::nullopt};
      auto st = c.prepare(
          "INSERT INTO notify_notices (user_id, film_id, city, kind, created_at, read_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      st.bind(1, user_id).bind(2, film_id).bind(3, city).bind(4, n.kind).bind(5, epoch(now));
      if (read) {
        st.bind(6, epoch(now));
      } else {
        st.bind_null(6);
      }
      st.run();
      n.id = c.last_insert_id();
      tx.commit();
      return n;
    });
  }

  NoticePage notices(std::string_view user_id, bool unread_only, std::int64_t before,
                     std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      NoticePage page;
      {
        auto st = c.prepare(fmt::format(
            "SELECT {} FROM notify_notices WHERE user_id = ?1 AND id < ?2 {} ORDER BY id DESC "
            "LIMIT ?3",
            kNoticeColumns, unread_only ? "AND read_at IS NULL" : ""));
        st.bind(1, user_id)
            .bind(2, before > 0 ? before : INT64_MAX)
            .bind(3, static_cast<std::int64_t>(limit));
        while (st.step())
          page.notices.push_back(notice_of(st));
      }
      auto st =
          c.prepare("SELECT count(*) FROM notify_notices WHERE user_id = ?1 AND read_at IS NULL");
      st.bind(1, user_id);
      if (st.step()) page.unread = st.integer(0);
      return page;
    });
  }

  std::vector<Notice> since(std::string_view user_id, std::int64_t after_id,
                            std::size_t limit) override {
    return pool_.with([&](Connection& c) { return notices_after(c, user_id, after_id, limit); });
  }

  std::size_t mark_read(std::string_view user_id, const std::vector<std::int64_t>& ids,
                        SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      std::size_t changed = 0;
      for (auto id : ids) {
        auto st = c.prepare(
            "UPDATE notify_notices SET read_at = ?3 WHERE id = ?1 AND user_id = ?2 "
            "AND read_at IS NULL");
        st.bind(1, id).bind(2, user_id).bind(3, epoch(now));
        st.run();
        changed += static_cast<std::size_t>(c.changes());
      }
      tx.commit();
      return changed;
    });
  }

  std::size_t mark_all_read(std::string_view user_id, SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE notify_notices SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL");
      st.bind(1, user_id).bind(2, epoch(now));
      st.run();
      return static_cast<std::size_t>(c.changes());
    });
  }

  Settings settings(std::string_view user_id) override {
    return pool_.with([&](Connection& c) {
      Settings s;
      {
        auto st =
            c.prepare("SELECT in_app, push, email_digest FROM notify_settings WHERE user_id = ?1");
        st.bind(1, user_id);
        if (st.step()) {
          s.in_app = st.integer(0) != 0;
          s.push = st.integer(1) != 0;
          s.email_digest = st.integer(2) != 0;
        }
      }
      auto st = c.prepare("SELECT city FROM notify_follows WHERE user_id = ?1 ORDER BY position");
      st.bind(1, user_id);
      while (st.step())
        s.followed_cities.push_back(st.text(0));
      return s;
    });
  }

  void save_settings(std::string_view user_id, const Settings& s, SysSeconds now) override {
    pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      {
        auto st = c.prepare(
            "INSERT INTO notify_settings (user_id, in_app, push, email_digest, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id) DO UPDATE SET in_app = ?2, "
            "push = ?3, email_digest = ?4, updated_at = ?5");
        st.bind(1, user_id)
            .bind(2, std::int64_t{s.in_app})
            .bind(3, std::int64_t{s.push})
            .bind(4, std::int64_t{s.email_digest})
            .bind(5, epoch(now));
        st.run();
      }
      {
        auto st = c.prepare("DELETE FROM notify_follows WHERE user_id = ?1");
        st.bind(1, user_id);
        st.run();
      }
      std::int64_t position = 0;
      for (const auto& city : s.followed_cities) {
        auto st = c.prepare(
            "INSERT INTO notify_follows (city, user_id, position) VALUES (?1, ?2, ?3) "
            "ON CONFLICT DO NOTHING");
        st.bind(1, city).bind(2, user_id).bind(3, position++);
        st.run();
      }
      tx.commit();
    });
  }

  DigestScan digests_due(std::string_view day, std::string_view after_user, std::size_t users,
                         std::size_t notices_per_user) override {
    return pool_.with([&](Connection& c) {
      std::vector<std::pair<std::string, std::int64_t>> candidates;
      {
        auto st = c.prepare(
            "SELECT user_id, digest_after_id FROM notify_settings WHERE email_digest = 1 "
            "AND digest_day <> ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3");
        st.bind(1, day).bind(2, after_user).bind(3, static_cast<std::int64_t>(users));
        while (st.step())
          candidates.emplace_back(st.text(0), st.integer(1));
      }
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
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      auto st = c.prepare(
          "UPDATE notify_settings SET digest_day = ?2, digest_after_id = max(digest_after_id, ?3) "
          "WHERE user_id = ?1 AND digest_day <> ?2");
      st.bind(1, user_id).bind(2, day).bind(3, up_to_id);
      st.run();
      if (c.changes() == 0) return false;
      if (!message.to.empty()) mail::enqueue(c, message, now);
      tx.commit();
      return true;
    });
  }

  void erase_user(std::string_view user_id) override {
    pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      for (const char* sql : {"DELETE FROM notify_notices WHERE user_id = ?1",
                              "DELETE FROM notify_settings WHERE user_id = ?1",
                              "DELETE FROM notify_follows WHERE user_id = ?1",
                              "DELETE FROM notify_claims WHERE user_id = ?1"}) {
        auto st = c.prepare(sql);
        st.bind(1, user_id);
        st.run();
      }
      tx.commit();
    });
  }

 private:
  sqlite::ConnectionPool& pool_;
};

}  // namespace

std::span<const sqlite::Migration> migrations() {
  return kMigrations;
}

std::unique_ptr<NotificationRepository> make_notification_repository(sqlite::ConnectionPool& pool) {
  return std::make_unique<SqliteNotificationRepository>(pool);
}

}  // namespace cinestream::notifications::sqlite_backend
