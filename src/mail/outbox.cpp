#include "cinestream/mail/outbox.hpp"

#include <spdlog/spdlog.h>

#include <array>

#include "outbox_common.hpp"

namespace cinestream::mail {

std::string_view to_string(OutboxStatus s) {
  switch (s) {
    case OutboxStatus::queued:
      return "queued";
    case OutboxStatus::sent:
      return "sent";
    case OutboxStatus::dead:
      return "dead";
  }
  return "queued";
}

std::optional<OutboxStatus> parse_status(std::string_view s) {
  for (auto st : {OutboxStatus::queued, OutboxStatus::sent, OutboxStatus::dead})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

namespace {

// The due claim reads (status, next_attempt_at) in order: one index serves it.
const std::array<sqlite::Migration, 1> kSqliteMigrations{{
    {1, "mail_outbox",
     [](sqlite::Connection& c) {
       c.exec(
           "CREATE TABLE mail_outbox ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT,"
           " to_addr TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
           " kind TEXT NOT NULL DEFAULT '',"
           " status TEXT NOT NULL DEFAULT 'queued',"
           " attempts INTEGER NOT NULL DEFAULT 0,"
           " created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,"
           " lease_owner TEXT NOT NULL DEFAULT '', last_error TEXT NOT NULL DEFAULT '',"
           " sent_at INTEGER)");
       c.exec("CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at)");
     }},
}};

const std::array<mongo::Migration, 1> kMongoMigrations{{
    {1, "mail_outbox indexes",
     [](mongo::Conn& c) {
       mongo::Doc list;
       mongo::index(list, "mail_outbox_due",
                    mongo::Doc().i32("status", 1).i32("next_attempt_at", 1).i32("_id", 1));
       mongo::create_indexes(c, kCollection, list);
     }},
}};

void log_report(const SchemaReport& report) {
  for (const auto& m : report.applied)
    spdlog::info("schema: mail: applied migration {}: {}", m.version, m.name);
}

}  // namespace

void enqueue(sqlite::Connection& conn, const Message& m, Clock::time_point now) {
  check(m);
  auto at = to_ms(now);
  conn.prepare(
          "INSERT INTO mail_outbox (to_addr, subject, body, kind, created_at, next_attempt_at)"
          " VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, m.to)
      .bind(2, m.subject)
      .bind(3, m.text_body)
      .bind(4, m.kind)
      .bind(5, at)
      .bind(6, at)
      .run();
}

void enqueue(mongo::Conn& conn, const Message& m, Clock::time_point now) {
  check(m);
  auto at = to_ms(now);
  mongo::Doc doc;
  doc.str("to", m.to)
      .str("subject", m.subject)
      .str("body", m.text_body)
      .str("kind", m.kind)
      .str("status", "queued")
      .i32("attempts", 0)
      .i64("created_at", at)
      .i64("next_attempt_at", at)
      .str("lease_owner", "")
      .str("last_error", "");
  mongo::insert_one(conn, kCollection, doc);
}

void forget_recipient(sqlite::Connection& conn, std::string_view address) {
  conn.prepare("DELETE FROM mail_outbox WHERE to_addr = ?").bind(1, address).run();
}

void forget_recipient(mongo::Conn& conn, std::string_view address) {
  mongo::delete_many(conn, kCollection, mongo::Doc().str("to", address));
}

void migrate(Database& db) {
  if (auto* pool = db.sqlite()) log_report(sqlite::migrate(*pool, "mail", kSqliteMigrations));
  if (auto* pool = db.mongo()) log_report(mongo::migrate(*pool, "mail", kMongoMigrations));
}

std::unique_ptr<OutboxRepository> make_outbox_repository(Database& db) {
  if (auto* pool = db.sqlite()) return make_sqlite_outbox_repository(*pool);
  if (auto* pool = db.mongo()) return make_mongo_outbox_repository(*pool);
  throw std::logic_error("mail: the database has no connection layer");
}

}  // namespace cinestream::mail
