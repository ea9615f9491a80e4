// The mail outbox (include/cinestream/mail/outbox.hpp) held to one suite on both backends, like
// store_conformance_test.cpp: SQLite, and MongoDB (CINESTREAM_TEST_MONGO_URI or the wire-protocol
// peer of tests/support/mongo_peer.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "cinestream/mail/outbox.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/mongo_peer.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using mail::Clock;
using mail::Message;
using mail::OutboxStatus;

struct Backend {
  std::string name;
  bool mongo = false;
};

void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

std::string mongo_uri_for(const std::string& dir) {
  return testing::mongo_target().uri(
      fmt::format("cs_mail_{}_{:x}", ::getpid(), std::hash<std::string>{}(dir)));
}

const Clock::time_point kT0 = Clock::time_point(std::chrono::milliseconds(1'800'000'000'000));

Message message(int n) {
  return {fmt::format("user{}@example.org", n), fmt::format("Subject {}", n),
          fmt::format("Body {}", n), "verify_email"};
}

class MailOutboxConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().mongo) CINESTREAM_SKIP_WITHOUT_MONGO();
    db_ = open();
    db_->ensure_schema();
    mail::migrate(*db_);
    repo_ = mail::make_outbox_repository(*db_);
  }
  void TearDown() override {
    repo_.reset();
    if (GetParam().mongo && db_) {
      db_.reset();
      testing::drop_database(mongo_uri_for(dir_.str()));
    }
  }
  std::unique_ptr<Database> open() {
    if (GetParam().mongo) return make_mongo_store({mongo_uri_for(dir_.str()), "", 4});
    return make_sqlite_store(dir_.str() + "/test.sqlite3", 4);
  }
  // As a feature does it: inside its own transaction on SQLite, one insert on MongoDB.
  void enqueue(const Message& m, Clock::time_point now) {
    if (auto* pool = db_->sqlite()) {
      pool->with([&](sqlite::Connection& c) {
        sqlite::WriteTransaction tx(c);
        mail::enqueue(c, m, now);
        tx.commit();
      });
    } else {
      db_->mongo()->with([&](mongo::Conn& c) { mail::enqueue(c, m, now); });
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<mail::OutboxRepository> repo_;
};

TEST_P(MailOutboxConformance, EnqueuedMessageIsQueuedAndDueAtOnce) {
  enqueue({"ana@example.org", "Підтвердіть адресу", "Привіт!\nРядок два", "verify_email"}, kT0);
  auto all = repo_->list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].message.to, "ana@example.org");
  EXPECT_EQ(all[0].message.subject, "Підтвердіть адресу");
  EXPECT_EQ(all[0].message.text_body, "Привіт!\nРядок два");
  EXPECT_EQ(all[0].message.kind, "verify_email");
  EXPECT_EQ(all[0].status, OutboxStatus::queued);
  EXPECT_EQ(all[0].attempts, 0);
  EXPECT_EQ(all[0].created_at, kT0);
  EXPECT_EQ(repo_->claim_due("w1", 10, kT0 - 1s, 60s).size(), 0u) << "not due before it was made";
  EXPECT_EQ(repo_->claim_due("w1", 10, kT0, 60s).size(), 1u);
}

TEST_P(MailOutboxConformance, ClaimLeasesCountsTheAttemptAndHidesTheMessageUntilTheLeaseLapses) {
  enqueue(message(1), kT0);
  auto claimed = repo_->claim_due("w1", 10, kT0, 60s);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].lease_owner, "w1");
  EXPECT_EQ(claimed[0].next_attempt_at, kT0 + 60s);
  EXPECT_TRUE(repo_->claim_due("w2", 10, kT0 + 59s, 60s).empty()) << "leased to w1";
  // w1 died mid-send: after its lease, another worker takes the message, as a second attempt.
  auto again = repo_->claim_due("w2", 10, kT0 + 60s, 60s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].lease_owner, "w2");
  EXPECT_FALSE(repo_->mark_sent(claimed[0].id, "w1", kT0 + 61s)) << "w1's lease was taken over";
  EXPECT_TRUE(repo_->mark_sent(again[0].id, "w2", kT0 + 61s));
  EXPECT_EQ(repo_->list()[0].status, OutboxStatus::sent);
}

TEST_P(MailOutboxConformance, ClaimTakesTheOldestDueFirstUpToTheLimit) {
  enqueue(message(3), kT0 + 3s);
  enqueue(message(1), kT0 + 1s);
  enqueue(message(2), kT0 + 2s);
  enqueue(message(9), kT0 + 9s);
  auto first = repo_->claim_due("w", 2, kT0 + 5s, 60s);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].message.to, "user1@example.org");
  EXPECT_EQ(first[1].message.to, "user2@example.org");
  auto rest = repo_->claim_due("w", 10, kT0 + 5s, 60s);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].message.to, "user3@example.org");
}

TEST_P(MailOutboxConformance, RetryIsDueAtItsTimeAndKeepsTheError) {
  enqueue(message(1), kT0);
  auto c = repo_->claim_due("w", 10, kT0, 60s);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_FALSE(repo_->schedule_retry(c[0].id, "other", kT0 + 10s, "x")) << "not its lease";
  EXPECT_TRUE(repo_->schedule_retry(c[0].id, "w", kT0 + 10s, "451 try later"));
  auto e = repo_->list()[0];
  EXPECT_EQ(e.status, OutboxStatus::queued);
  EXPECT_EQ(e.last_error, "451 try later");
  EXPECT_EQ(e.lease_owner, "");
  EXPECT_TRUE(repo_->claim_due("w", 10, kT0 + 9s, 60s).empty());
  auto retried = repo_->claim_due("w", 10, kT0 + 10s, 60s);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].attempts, 2);
}

TEST_P(MailOutboxConformance, DeadAndSentMessagesAreNeverClaimedAgainAndAreCounted) {
  for (int i = 0; i < 4; ++i)
    enqueue(message(i), kT0);
  auto c = repo_->claim_due("w", 3, kT0, 60s);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_TRUE(repo_->dead_letter(c[0].id, "w", "550 no such user"));
  EXPECT_TRUE(repo_->mark_sent(c[1].id, "w", kT0));
  EXPECT_TRUE(repo_->schedule_retry(c[2].id, "w", kT0, "421"));
  EXPECT_FALSE(repo_->mark_sent(c[0].id, "w", kT0)) << "a dead message stays dead";
  auto counts = repo_->counts();
  EXPECT_EQ(counts.queued, 2);
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(counts.dead, 1);
  auto later = repo_->claim_due("w", 10, kT0 + 24h, 60s);
  std::set<std::string> ids;
  for (const auto& e : later)
    ids.insert(e.id);
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_FALSE(ids.contains(c[0].id));
  EXPECT_FALSE(ids.contains(c[1].id));
  auto dead = repo_->list()[0];
  EXPECT_EQ(dead.status, OutboxStatus::dead);
  EXPECT_EQ(dead.last_error, "550 no such user");
}

TEST_P(MailOutboxConformance, ConcurrentClaimersNeverShareAMessage) {
  constexpr int kMessages = 40;
  for (int i = 0; i < kMessages; ++i)
    enqueue(message(i), kT0);
  constexpr int kWorkers = 4;
  std::vector<std::vector<std::string>> got(kWorkers);
  {
    // Each worker has its own store, like a process of its own.
    std::vector<std::unique_ptr<Database>> stores;
    std::vector<std::unique_ptr<mail::OutboxRepository>> repos;
    for (int w = 0; w < kWorkers; ++w) {
      stores.push_back(open());
      repos.push_back(mail::make_outbox_repository(*stores.back()));
    }
    std::vector<std::thread> threads;
    for (int w = 0; w < kWorkers; ++w)
      threads.emplace_back([&, w] {
        for (;;) {
          auto batch = repos[w]->claim_due(fmt::format("w{}", w), 3, kT0, 60s);
          if (batch.empty()) break;
          for (const auto& e : batch)
            got[w].push_back(e.id);
        }
      });
    for (auto& t : threads)
      t.join();
  }
  std::multiset<std::string> all;
  for (const auto& g : got)
    all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size())
      << "a message was claimed twice";
}

TEST_P(MailOutboxConformance, EnqueueRefusesHeaderInjectionAndWritesNothing) {
  EXPECT_THROW(enqueue({"a@example.org", "Hi\r\nBcc: victim@example.org", "x", "k"}, kT0),
               mail::InvalidMessage);
  EXPECT_THROW(enqueue({"a@example.org\nRCPT TO:<b@example.org>", "Hi", "x", "k"}, kT0),
               mail::InvalidMessage);
  EXPECT_THROW(enqueue({"a@example.org, b@example.org", "Hi", "x", "k"}, kT0),
               mail::InvalidMessage);
  EXPECT_THROW(enqueue({"not-an-address", "Hi", "x", "k"}, kT0), mail::InvalidMessage);
  EXPECT_TRUE(repo_->list().empty());
}

TEST_P(MailOutboxConformance, MigrationsAreRecordedUnderTheMailModuleAndRerunNothing) {
  mail::migrate(*db_);
  auto reopened = open();
  mail::migrate(*reopened);
  if (auto* pool = reopened->sqlite()) {
    EXPECT_EQ(sqlite::schema_version(*pool, "mail"), 1);
  }
  if (auto* pool = reopened->mongo()) {
    EXPECT_EQ(mongo::schema_version(*pool, "mail"), 1);
  }
  enqueue(message(1), kT0);
  EXPECT_EQ(mail::make_outbox_repository(*reopened)->list().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailOutboxConformance,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const auto& param_info) { return param_info.param.name; });

// SQLite only (MongoDB has no multi-document transaction): the message is written in the
// transaction of the change that caused it, so a rolled-back change leaves no message.
TEST(MailOutboxSqlite, EnqueueRollsBackWithTheChangeThatCausedIt) {
  testing::TempDir dir;
  auto db = make_sqlite_store(dir.str() + "/test.sqlite3", 2);
  db->ensure_schema();
  mail::migrate(*db);
  db->sqlite()->with(
      [](sqlite::Connection& c) { c.exec("CREATE TABLE feature_users (email TEXT PRIMARY KEY)"); });
  EXPECT_THROW(db->sqlite()->with([&](sqlite::Connection& c) {
    sqlite::WriteTransaction tx(c);
    c.prepare("INSERT INTO feature_users (email) VALUES (?)").bind(1, "a@example.org").run();
    mail::enqueue(c, message(1), kT0);
    throw std::runtime_error("the change failed after the enqueue");
  }),
               std::runtime_error);
  auto repo = mail::make_outbox_repository(*db);
  EXPECT_TRUE(repo->list().empty());
  db->sqlite()->with([&](sqlite::Connection& c) {
    sqlite::WriteTransaction tx(c);
    c.prepare("INSERT INTO feature_users (email) VALUES (?)").bind(1, "a@example.org").run();
    mail::enqueue(c, message(1), kT0);
    tx.commit();
  });
  EXPECT_EQ(repo->list().size(), 1u);
}

}  // namespace
}  // namespace cinestream
