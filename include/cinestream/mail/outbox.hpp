#pragma once
// The outbox: messages written by the change that caused them and delivered later by the worker
// (worker.hpp). Storage of module "mail" on both backends: SQLite table `mail_outbox`, MongoDB
// collection `mail_outbox`, each with its numbered migrations.
//
// A message is `queued` until it is `sent` or `dead` (dead-lettered: a permanent refusal, or too
// many attempts). Claiming is safe from several worker processes: a claim takes the message's
// lease (owner + `next_attempt_at` moved to the end of the lease) and counts the attempt, so a
// worker that dies mid-send leaves the message due again when its lease lapses. Every later step
// (sent, retry, dead) is fenced by the owner: a worker whose lease lapsed and was taken over
// changes nothing. Atomicity: SQLite, IMMEDIATE transactions; MongoDB, one findAndModify or
// filtered update per message.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/mail/message.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/mongo_db.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::mail {

using Clock = std::chrono::system_clock;

// Same-transaction enqueue on SQLite: the caller holds a sqlite::WriteTransaction on `conn`, so
// the message is committed (or rolled back) with the change that caused it.
void enqueue(sqlite::Connection& conn, const Message& m, Clock::time_point now);
// MongoDB: one insert (a single document is atomic); the caller writes it right after its own
// change. Both throw InvalidMessage (message.hpp's check) before writing anything.
void enqueue(mongo::Conn& conn, const Message& m, Clock::time_point now);
// Deletes every message to `address`, whatever its state (queued, sent, dead): they hold the
// address and what was said to it. For a feature deleting an account, inside its transaction
// (SQLite) or beside its own deletes (MongoDB).
void forget_recipient(sqlite::Connection& conn, std::string_view address);
void forget_recipient(mongo::Conn& conn, std::string_view address);
// Applies the "mail" module's migrations on whichever backend `db` has (call at start-up).
void migrate(Database& db);

enum class OutboxStatus { queued, sent, dead };
std::string_view to_string(OutboxStatus s);

struct OutboxEntry {
  std::string id;  // SQLite: the row id in decimal; MongoDB: the ObjectId in hex
  Message message;
  OutboxStatus status = OutboxStatus::queued;
  int attempts = 0;  // claims so far (a claim counts even if its worker dies)
  Clock::time_point created_at;
  Clock::time_point next_attempt_at;  // due then; while leased, the end of the lease
  std::string lease_owner;
  std::string last_error;
};

struct OutboxCounts {
  std::int64_t queued = 0;
  std::int64_t sent = 0;
  std::int64_t dead = 0;
};

class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  // Takes up to `limit` queued messages due at `now` (oldest due first) for `owner`, each leased
  // until now + lease with its attempt counted; no message is returned to two claimers.
  virtual std::vector<OutboxEntry> claim_due(std::string_view owner, std::size_t limit,
                                             Clock::time_point now,
                                             std::chrono::milliseconds lease) = 0;
  // The step after a send; false when `owner` no longer holds the message's lease.
  virtual bool mark_sent(std::string_view id, std::string_view owner, Clock::time_point now) = 0;
  virtual bool schedule_retry(std::string_view id, std::string_view owner, Clock::time_point at,
                              std::string_view error) = 0;
  virtual bool dead_letter(std::string_view id, std::string_view owner, std::string_view error) = 0;
  virtual OutboxCounts counts() = 0;
  // Every message, oldest first (tests and operators).
  virtual std::vector<OutboxEntry> list() = 0;
};

std::unique_ptr<OutboxRepository> make_outbox_repository(Database& db);

}  // namespace cinestream::mail
