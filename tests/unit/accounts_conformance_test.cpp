// The accounts repositories held to one suite on SQLite and MongoDB (the wire-protocol peer, or
// CINESTREAM_TEST_MONGO_URI): uniqueness, the outbox written with the change, token rotation and
// reuse detection, single-use tokens, throttling, and deletion leaving no personal row.
#include <gtest/gtest.h>

#include <thread>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/accounts/secrets.hpp"
#include "cinestream/mail/outbox.hpp"
#include "cinestream/store/module_migrations.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/mongo_peer.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::accounts {
namespace {

using namespace std::chrono_literals;

struct Backend {
  std::string name;
  bool mongo = false;
};
void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

std::string mongo_uri_for(const std::string& dir) {
  return cinestream::testing::mongo_target().uri(
      fmt::format("cs_acc_{}_{:x}", ::getpid(), std::hash<std::string>{}(dir)));
}

SysSeconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(Clock::now());
}

class AccountsConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().mongo) CINESTREAM_SKIP_WITHOUT_MONGO();
    db_ = open();
    db_->ensure_schema();
    migrate_accounts(*db_);
    s_ = make_accounts_store(*db_);
  }
  void TearDown() override {
    s_ = {};
    if (GetParam().mongo && db_) {
      db_.reset();
      cinestream::testing::drop_database(mongo_uri_for(dir_.str()));
    }
  }
  std::unique_ptr<Database> open() {
    if (GetParam().mongo) return make_mongo_store({mongo_uri_for(dir_.str()), "", 4});
    return make_sqlite_store(dir_.str() + "/test.sqlite3", 4);
  }

  User user(std::string email) {
    User u;
    u.id = random_id();
    u.email = std::move(email);
    u.display_name = "Олена";
    u.lang = "uk";
    u.password_hash = "$2b$04$Ekl5l61z2cmN6IHUW.pl3eQBnNwzzSdJ0BSiDI5IiAt6PqjFs.vhS";
    u.created_at = u.updated_at = now_s();
    return u;
  }
  mail::Message welcome(const User& u) {
    return {u.email, "Підтвердіть адресу", "посилання", "verify_email"};
  }
  IssuedToken verify_token(std::string hash) {
    return {TokenPurpose::verify_email, std::move(hash), now_s() + 48h};
  }
  Session session(const User& u, std::string hash) {
    auto now = now_s();
    return {random_id(), u.id, std::move(hash), "curl/8", "192.0.2.1", now, now, now + 720h, false};
  }
  // For cases that rely on what the MongoDB test peer only fakes (it does not enforce unique
  // indexes on insert): skipped there with the reason, run against a real server.
  bool peer_fakes_unique_indexes() const {
    return GetParam().mongo && !cinestream::testing::mongo_target().real;
  }
  std::vector<mail::OutboxEntry> outbox() { return mail::make_outbox_repository(*db_)->list(); }

  cinestream::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  AccountsStore s_;
};

TEST_P(AccountsConformance, MigratesOnceUnderItsOwnName) {
  EXPECT_EQ(module_schema_version(*db_, "accounts"), kAccountsSchemaVersion);
  EXPECT_TRUE(migrate_accounts(*db_).applied.empty()) << "a second run applies nothing";
}

TEST_P(AccountsConformance, CreateStoresTheUserItsTokenAndItsMessageTogether) {
  auto u = user("olena@example.com");
  s_.users->create(u, verify_token(token_hash("t1")), welcome(u));
  auto back = s_.users->by_email("olena@example.com");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, u.id);
  EXPECT_EQ(back->display_name, "Олена");
  EXPECT_EQ(back->role, Role::customer);
  EXPECT_FALSE(back->email_verified);
  EXPECT_EQ(s_.users->by_id(u.id)->email, u.email);
  auto mails = outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].message.to, "olena@example.com");
  EXPECT_EQ(mails[0].message.kind, "verify_email");
  EXPECT_EQ(s_.tokens->consume(TokenPurpose::verify_email, token_hash("t1"), now_s()), u.id);
}

TEST_P(AccountsConformance, ASecondAccountWithTheSameEmailIsRefusedAndWritesNothing) {
  auto u = user("olena@example.com");
  s_.users->create(u, verify_token(token_hash("t1")), welcome(u));
  auto twin = user("olena@example.com");
  EXPECT_THROW(s_.users->create(twin, verify_token(token_hash("t2")), welcome(twin)), EmailTaken);
  EXPECT_FALSE(s_.users->by_id(twin.id));
  EXPECT_EQ(outbox().size(), 1u) << "no message for the refused account";
  EXPECT_FALSE(s_.tokens->consume(TokenPurpose::verify_email, token_hash("t2"), now_s()));
}

TEST_P(AccountsConformance, ConcurrentSignUpsWithOneEmailMakeOneAccount) {
  if (peer_fakes_unique_indexes())
    GTEST_SKIP() << "the MongoDB test peer does not enforce the unique email index";
  std::atomic<int> made{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto u = user("same@example.com");
      try {
        s_.users->create(u, verify_token(token_hash(fmt::format("t{}", i))), welcome(u));
        ++made;
      } catch (const EmailTaken&) {
        ++refused;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(made.load(), 1);
  EXPECT_EQ(refused.load(), 5);
  EXPECT_EQ(s_.users->list(0, 100).size(), 1u);
}

TEST_P(AccountsConformance, UsersArePagedInCreationOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto u = user(fmt::format("p{}@example.com", i));
    u.created_at = now_s() + std::chrono::seconds(i);
    s_.users->create(u, std::nullopt, mail::Message{});
    ids.push_back(u.id);
  }
  auto ids_of = [](const std::vector<User>& users) {
    std::vector<std::string> out;
    for (const auto& u : users)
      out.push_back(u.id);
    return out;
  };
  EXPECT_EQ(ids_of(s_.users->list(0, 10)), ids);
  EXPECT_EQ(ids_of(s_.users->list(1, 2)), (std::vector<std::string>{ids[1], ids[2]}));
  EXPECT_EQ(ids_of(s_.users->list(3, 10)), (std::vector<std::string>{ids[3]}));
  EXPECT_TRUE(s_.users->list(4, 10).empty());
  EXPECT_TRUE(s_.users->list(0, 0).empty());
  EXPECT_TRUE(outbox().empty()) << "a message without a recipient is not queued";
}

TEST_P(AccountsConformance, ProfileRoleDisabledAndPasswordUpdates) {
  auto u = user("a@example.com");
  s_.users->create(u, verify_token(token_hash("t")), welcome(u));
  u.display_name = "Olena K";
  u.lang = "en";
  u.home_city = "kyiv";
  u.notifications.newsletter = true;
  u.notifications.film_in_my_city = false;
  EXPECT_TRUE(s_.users->update_profile(u));
  EXPECT_TRUE(s_.users->set_role(u.id, Role::manager, now_s()));
  EXPECT_TRUE(s_.users->set_disabled(u.id, true, now_s()));
  EXPECT_TRUE(s_.users->set_password_hash(u.id, "$2b$12$new", now_s()));
  EXPECT_TRUE(s_.users->mark_email_verified(u.id, now_s()));
  auto back = *s_.users->by_id(u.id);
  EXPECT_EQ(back.display_name, "Olena K");
  EXPECT_EQ(back.lang, "en");
  EXPECT_EQ(back.home_city, "kyiv");
  EXPECT_TRUE(back.notifications.newsletter);
  EXPECT_FALSE(back.notifications.film_in_my_city);
  EXPECT_EQ(back.role, Role::manager);
  EXPECT_TRUE(back.disabled);
  EXPECT_TRUE(back.email_verified);
  EXPECT_EQ(back.password_hash, "$2b$12$new");
  EXPECT_FALSE(s_.users->set_role("nobody", Role::admin, now_s()));
}

TEST_P(AccountsConformance, RotationReplacesTheTokenAndReuseRevokesTheSession) {
  auto u = user("r@example.com");
  s_.users->create(u, verify_token(token_hash("t")), welcome(u));
  auto s = session(u, "h1");
  s_.sessions->create(s);
  auto r = s_.sessions->rotate("h1", "h2", now_s());
  ASSERT_EQ(r.outcome, RotateOutcome::rotated);
  EXPECT_EQ(r.session->id, s.id);
  EXPECT_EQ(r.session->token_hash, "h2");
  EXPECT_EQ(s_.sessions->rotate("h2", "h3", now_s()).outcome, RotateOutcome::rotated);
  // h1 again: stolen. The session (the family) ends; its current token h3 stops working.
  auto reuse = s_.sessions->rotate("h1", "h4", now_s());
  EXPECT_EQ(reuse.outcome, RotateOutcome::reused);
  ASSERT_TRUE(reuse.session);
  EXPECT_EQ(reuse.session->id, s.id);
  EXPECT_EQ(s_.sessions->rotate("h3", "h5", now_s()).outcome, RotateOutcome::revoked);
  EXPECT_EQ(s_.sessions->rotate("never", "h6", now_s()).outcome, RotateOutcome::unknown);
  EXPECT_TRUE(s_.sessions->of_user(u.id, now_s()).empty());
}

TEST_P(AccountsConformance, OfTwoConcurrentRotationsOfOneTokenOneWins) {
  auto u = user("c@example.com");
  s_.users->create(u, verify_token(token_hash("t")), welcome(u));
  s_.sessions->create(session(u, "h1"));
  std::atomic<int> rotated{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      if (s_.sessions->rotate("h1", fmt::format("n{}", i), now_s()).outcome ==
          RotateOutcome::rotated)
        ++rotated;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(rotated.load(), 1);
}

TEST_P(AccountsConformance, ExpiredSessionsDoNotRotateOrList) {
  auto u = user("e@example.com");
  s_.users->create(u, verify_token(token_hash("t")), welcome(u));
  auto s = session(u, "h1");
  s.expires_at = now_s() - 1s;
  s_.sessions->create(s);
  EXPECT_EQ(s_.sessions->rotate("h1", "h2", now_s()).outcome, RotateOutcome::expired);
  EXPECT_TRUE(s_.sessions->of_user(u.id, now_s()).empty());
}

TEST_P(AccountsConformance, SessionsListRevokeOneAndAll) {
  auto u = user("s@example.com");
  auto other = user("o@example.com");
  s_.users->create(u, verify_token(token_hash("t")), welcome(u));
  s_.users->create(other, verify_token(token_hash("t2")), welcome(other));
  auto a = session(u, "a");
  auto b = session(u, "b");
  auto c = session(u, "c");
  auto theirs = session(other, "x");
  for (const auto& s : {a, b, c, theirs})
    s_.sessions->create(s);
  EXPECT_EQ(s_.sessions->of_user(u.id, now_s()).size(), 3u);
  EXPECT_FALSE(s_.sessions->revoke(u.id, theirs.id)) << "not the user's session";
  EXPECT_TRUE(s_.sessions->revoke(u.id, a.id));
  EXPECT_FALSE(s_.sessions->revoke(u.id, a.id)) << "already revoked";
  EXPECT_EQ(s_.sessions->of_user(u.id, now_s()).size(), 2u);
  EXPECT_EQ(s_.sessions->revoke_all(u.id), 2u);
  EXPECT_TRUE(s_.sessions->of_user(u.id, now_s()).empty());
  EXPECT_EQ(s_.sessions->of_user(other.id, now_s()).size(), 1u);
  EXPECT_EQ(s_.sessions->by_token("b")->revoked, true);
}

TEST_P(AccountsConformance, OneTimeTokensAreSingleUseExpireAndOnlyTheNewestWorks) {
  auto u = user("t@example.com");
  s_.users->create(u, verify_token(token_hash("v")), welcome(u));
  auto msg = mail::Message{u.email, "Reset", "link", "password_reset"};
  s_.tokens->issue(TokenPurpose::reset_password, u.id, "r1", now_s() + 30min, msg);
  s_.tokens->issue(TokenPurpose::reset_password, u.id, "r2", now_s() + 30min, msg);
  EXPECT_EQ(outbox().size(), 3u) << "each token's message queued with it";
  EXPECT_FALSE(s_.tokens->usable(TokenPurpose::reset_password, "r1", now_s()));
  EXPECT_FALSE(s_.tokens->consume(TokenPurpose::reset_password, "r1", now_s()))
      << "withdrawn by the newer one";
  EXPECT_FALSE(s_.tokens->usable(TokenPurpose::verify_email, "r2", now_s()));
  EXPECT_FALSE(s_.tokens->consume(TokenPurpose::verify_email, "r2", now_s())) << "wrong purpose";
  EXPECT_TRUE(s_.tokens->usable(TokenPurpose::reset_password, "r2", now_s()));
  EXPECT_TRUE(s_.tokens->usable(TokenPurpose::reset_password, "r2", now_s())) << "not used up";
  EXPECT_EQ(s_.tokens->consume(TokenPurpose::reset_password, "r2", now_s()), u.id);
  EXPECT_FALSE(s_.tokens->usable(TokenPurpose::reset_password, "r2", now_s()));
  EXPECT_FALSE(s_.tokens->consume(TokenPurpose::reset_password, "r2", now_s())) << "used up";
  s_.tokens->issue(TokenPurpose::reset_password, u.id, "r3", now_s() + 30min, msg);
  EXPECT_FALSE(s_.tokens->usable(TokenPurpose::reset_password, "r3", now_s() + 31min));
  EXPECT_FALSE(s_.tokens->consume(TokenPurpose::reset_password, "r3", now_s() + 31min))
      << "expired";
}

TEST_P(AccountsConformance, ConcurrentUsesOfOneTokenSucceedOnce) {
  auto u = user("x@example.com");
  s_.users->create(u, verify_token(token_hash("v")), welcome(u));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      if (s_.tokens->consume(TokenPurpose::verify_email, token_hash("v"), now_s())) ++ok;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_P(AccountsConformance, ThrottleLocksPastTheFreeFailuresWithGrowingLocks) {
  ThrottlePolicy p{.free_failures = 3, .window = 15min, .first_lock = 30s, .max_lock = 1h};
  auto now = now_s();
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(s_.throttle->record_failure("email:a@b.c", now, p)) << i;
  EXPECT_FALSE(s_.throttle->locked_until("email:a@b.c", now));
  EXPECT_EQ(s_.throttle->record_failure("email:a@b.c", now, p), now + 30s);
  EXPECT_EQ(s_.throttle->locked_until("email:a@b.c", now + 10s), now + 30s);
  EXPECT_FALSE(s_.throttle->locked_until("email:a@b.c", now + 31s)) << "the lock lapses";
  EXPECT_EQ(s_.throttle->record_failure("email:a@b.c", now + 31s, p), now + 31s + 60s)
      << "each failure past the free ones doubles the lock";
  EXPECT_FALSE(s_.throttle->locked_until("email:other@b.c", now)) << "keys are independent";
  s_.throttle->clear("email:a@b.c");
  EXPECT_FALSE(s_.throttle->locked_until("email:a@b.c", now + 40s));
  EXPECT_FALSE(s_.throttle->record_failure("email:a@b.c", now + 40s, p)) << "counting restarts";
}

TEST_P(AccountsConformance, ThrottleForgetsFailuresOutsideItsWindow) {
  ThrottlePolicy p{.free_failures = 2, .window = 10min, .first_lock = 30s, .max_lock = 1h};
  auto now = now_s();
  s_.throttle->record_failure("client:x", now, p);
  s_.throttle->record_failure("client:x", now, p);
  EXPECT_FALSE(s_.throttle->record_failure("client:x", now + 11min, p))
      << "a new window: this is its first failure";
}

TEST_P(AccountsConformance, ConcurrentFailuresAreAllCounted) {
  ThrottlePolicy p{.free_failures = 40, .window = 15min, .first_lock = 30s, .max_lock = 1h};
  auto now = now_s();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        s_.throttle->record_failure("email:busy@b.c", now, p);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_FALSE(s_.throttle->locked_until("email:busy@b.c", now)) << "40 failures are free";
  EXPECT_TRUE(s_.throttle->record_failure("email:busy@b.c", now, p)) << "the 41st locks";
}

TEST_P(AccountsConformance, AuditEventsReadNewestFirst) {
  auto now = now_s();
  s_.audit->append({now, "login_failed", "", "who@example.com", "192.0.2.9", "unknown email"});
  s_.audit->append({now, "login", "u1", "a@example.com", "192.0.2.1", ""});
  s_.audit->append({now + 1s, "logout", "u1", "a@example.com", "192.0.2.1", ""});
  auto events = s_.audit->of_user("u1", 10);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "logout");
  EXPECT_EQ(events[1].kind, "login");
  EXPECT_EQ(s_.audit->of_email("who@example.com", 10).size(), 1u);
  EXPECT_EQ(s_.audit->of_user("u1", 1).size(), 1u);
}

TEST_P(AccountsConformance, EraseLeavesNoPersonalRow) {
  auto u = user("gone@example.com");
  auto keep = user("stay@example.com");
  s_.users->create(u, verify_token(token_hash("v1")), welcome(u));
  s_.users->create(keep, verify_token(token_hash("v2")), welcome(keep));
  s_.sessions->create(session(u, "s1"));
  s_.sessions->rotate("s1", "s2", now_s());
  s_.sessions->create(session(keep, "k1"));
  s_.tokens->issue(TokenPurpose::reset_password, u.id, "r1", now_s() + 30min,
                   {u.email, "Reset", "link", "password_reset"});
  s_.audit->append({now_s(), "login", u.id, u.email, "192.0.2.1", ""});
  s_.audit->append({now_s(), "login_failed", "", u.email, "192.0.2.1", "before sign-up"});
  s_.audit->append({now_s(), "login", keep.id, keep.email, "192.0.2.2", ""});
  ThrottlePolicy p{.free_failures = 0};
  s_.throttle->record_failure("email:gone@example.com", now_s(), p);

  ASSERT_TRUE(s_.users->erase(u.id));
  EXPECT_FALSE(s_.users->erase(u.id)) << "already gone";
  EXPECT_FALSE(s_.users->by_id(u.id));
  EXPECT_FALSE(s_.users->by_email(u.email));
  EXPECT_TRUE(s_.sessions->of_user(u.id, now_s()).empty());
  EXPECT_FALSE(s_.sessions->by_token("s2"));
  EXPECT_EQ(s_.sessions->rotate("s1", "s3", now_s()).outcome, RotateOutcome::unknown)
      << "the rotated-away hashes are gone too";
  EXPECT_FALSE(s_.tokens->consume(TokenPurpose::reset_password, "r1", now_s()));
  EXPECT_TRUE(s_.audit->of_user(u.id, 10).empty());
  EXPECT_TRUE(s_.audit->of_email(u.email, 10).empty());
  EXPECT_FALSE(s_.throttle->locked_until("email:gone@example.com", now_s()));
  for (const auto& m : outbox())
    EXPECT_NE(m.message.to, u.email) << "queued mail to the address is forgotten";
  // The other account is untouched.
  EXPECT_TRUE(s_.users->by_id(keep.id));
  EXPECT_EQ(s_.sessions->of_user(keep.id, now_s()).size(), 1u);
  EXPECT_EQ(s_.audit->of_user(keep.id, 10).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsConformance,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const ::testing::TestParamInfo<Backend>& p) { return p.param.name; });

}  // namespace
}  // namespace cinestream::accounts
