// The outbox on SQLite: a claim is one IMMEDIATE transaction (select the due rows, lease each),
// so claimers in other processes wait for it and never see the same row due.
#include <fmt/format.h>

#include <charconv>

#include "outbox_common.hpp"

namespace cinestream::mail {
namespace {

constexpr const char* kColumns =
    "id, to_addr, subject, body, kind, status, attempts, created_at, next_attempt_at, "
    "lease_owner, last_error";

OutboxEntry read_entry(const sqlite::Statement& s) {
  OutboxEntry e;
  e.id = std::to_string(s.integer(0));
  e.message = {s.text(1), s.text(2), s.text(3), s.text(4)};
  e.status = parse_status(s.text(5)).value_or(OutboxStatus::queued);
  e.attempts = static_cast<int>(s.integer(6));
  e.created_at = from_ms(s.integer(7));
  e.next_attempt_at = from_ms(s.integer(8));
  e.lease_owner = s.text(9);
  e.last_error = s.text(10);
  return e;
}

std::int64_t row_id(std::string_view id) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  return ec == std::errc{} && p == id.data() + id.size() ? v : -1;
}

class SqliteOutboxRepository final : public OutboxRepository {
 public:
  explicit SqliteOutboxRepository(sqlite::ConnectionPool& pool) : pool_(pool) {}

  std::vector<OutboxEntry> claim_due(std::string_view owner, std::size_t limit,
                                     Clock::time_point now,
                                     std::chrono::milliseconds lease) override {
    return pool_.with([&](sqlite::Connection& c) {
      sqlite::WriteTransaction tx(c);
      std::vector<OutboxEntry> due;
      {
        auto s = c.prepare(fmt::format(
            "SELECT {} FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            kColumns));
        s.bind(1, to_ms(now)).bind(2, static_cast<std::int64_t>(limit));
        while (s.step())
          due.push_back(read_entry(s));
      }
      auto until = to_ms(now + lease);
      for (auto& e : due) {
        c.prepare(
             "UPDATE mail_outbox SET lease_owner = ?, next_attempt_at = ?,"
             " attempts = attempts + 1 WHERE id = ?")
            .bind(1, owner)
            .bind(2, until)
            .bind(3, row_id(e.id))
            .run();
        e.lease_owner = std::string(owner);
        e.next_attempt_at = from_ms(until);
        ++e.attempts;
      }
      tx.commit();
      return due;
    });
  }

  bool mark_sent(std::string_view id, std::string_view owner, Clock::time_point now) override {
    return fenced([&](sqlite::Connection& c) {
      c.prepare(
           "UPDATE mail_outbox SET status = 'sent', sent_at = ?, lease_owner = '', last_error = ''"
           " WHERE id = ? AND lease_owner = ? AND status = 'queued'")
          .bind(1, to_ms(now))
          .bind(2, row_id(id))
          .bind(3, owner)
          .run();
    });
  }

  bool schedule_retry(std::string_view id, std::string_view owner, Clock::time_point at,
                      std::string_view error) override {
    return fenced([&](sqlite::Connection& c) {
      c.prepare(
           "UPDATE mail_outbox SET next_attempt_at = ?, lease_owner = '', last_error = ?"
           " WHERE id = ? AND lease_owner = ? AND status = 'queued'")
          .bind(1, to_ms(at))
          .bind(2, error)
          .bind(3, row_id(id))
          .bind(4, owner)
          .run();
    });
  }

  bool dead_letter(std::string_view id, std::string_view owner, std::string_view error) override {
    return fenced([&](sqlite::Connection& c) {
      c.prepare(
           "UPDATE mail_outbox SET status = 'dead', lease_owner = '', last_error = ?"
           " WHERE id = ? AND lease_owner = ? AND status = 'queued'")
          .bind(1, error)
          .bind(2, row_id(id))
          .bind(3, owner)
          .run();
    });
  }

  OutboxCounts counts() override {
    return pool_.with([&](sqlite::Connection& c) {
      OutboxCounts out;
      auto s = c.prepare("SELECT status, COUNT(*) FROM mail_outbox GROUP BY status");
      while (s.step()) {
        auto n = s.integer(1);
        switch (parse_status(s.text(0)).value_or(OutboxStatus::queued)) {
          case OutboxStatus::queued:
            out.queued += n;
            break;
          case OutboxStatus::sent:
            out.sent += n;
            break;
          case OutboxStatus::dead:
            out.dead += n;
            break;
        }
      }
      return out;
    });
  }

  std::vector<OutboxEntry> list() override {
    return pool_.with([&](sqlite::Connection& c) {
      std::vector<OutboxEntry> out;
      auto s = c.prepare(fmt::format("SELECT {} FROM mail_outbox ORDER BY id", kColumns));
      while (s.step())
        out.push_back(read_entry(s));
      return out;
    });
  }

 private:
  // One fenced update in its own transaction; true when it changed the row.
  template <class F>
  bool fenced(F&& update) {
    return pool_.with([&](sqlite::Connection& c) {
      sqlite::WriteTransaction tx(c);
      update(c);
      bool changed = c.changes() == 1;
      tx.commit();
      return changed;
    });
  }

  sqlite::ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<OutboxRepository> make_sqlite_outbox_repository(sqlite::ConnectionPool& pool) {
  return std::make_unique<SqliteOutboxRepository>(pool);
}

}  // namespace cinestream::mail
