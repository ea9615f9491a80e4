// Notifications (include/cinestream/notifications/) held to one suite on both backends: the
// repository (scans, claims, notices, settings, digests, erasure), and the notifier end to end on
// the store: a scrape bringing a watchlisted film to a user's city makes one notice even with two
// notifiers ("processes") on one database, nothing for a film already playing, nothing again
// within 30 days, and one digest.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/catalog/catalog_store.hpp"
#include "cinestream/catalog/film_linker.hpp"
#include "cinestream/library/library_store.hpp"
#include "cinestream/mail/outbox.hpp"
#include "cinestream/notifications/notifications_store.hpp"
#include "cinestream/notifications/notifier.hpp"
#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/mongo_peer.hpp"
#include "support/sample_data.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

namespace asio = boost::asio;
using notifications::NotificationRepository;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using testing::utc;

struct Backend {
  std::string name;
  bool mongo = false;
};

void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

std::string mongo_uri_for(const std::string& dir) {
  return testing::mongo_target().uri(
      fmt::format("cs_notify_{}_{:x}", ::getpid(), std::hash<std::string>{}(dir)));
}

const SysSeconds kNow = utc(2026, 12, 1, 9, 0);
constexpr std::chrono::seconds kWindow = days(30);

template <class T>
T run_sync(asio::awaitable<T> work) {
  asio::io_context ctx;
  auto f = asio::co_spawn(ctx, std::move(work), asio::use_future);
  ctx.run();
  return f.get();
}

class NotificationsConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().mongo) CINESTREAM_SKIP_WITHOUT_MONGO();
    db_ = open();
    db_->ensure_schema();
    mail::migrate(*db_);
    accounts::migrate_accounts(*db_);
    catalog::migrate_catalog(*db_);
    library::migrate_library(*db_);
    notifications::migrate_notifications(*db_);
    db_->locations().seed_locations(testing::test_locations());
    repo_ = notifications::make_notification_repository(*db_);
  }
  void TearDown() override {
    repo_.reset();
    if (GetParam().mongo && db_) {
      db_.reset();
      testing::drop_database(mongo_uri_for(dir_.str()));
    }
  }
  std::unique_ptr<Database> open() {
    return GetParam().mongo ? make_mongo_store({mongo_uri_for(dir_.str()), "", 8})
                            : make_sqlite_store(dir_.str() + "/test.sqlite3", 8);
  }
  mail::Message message_to(std::string to) {
    return {std::move(to), "Digest", "Films", "notification_digest"};
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<NotificationRepository> repo_;
};

TEST_P(NotificationsConformance, MigratesUnderItsOwnNameOnce) {
  auto again = notifications::migrate_notifications(*db_);
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.to, notifications::kNotificationsSchemaVersion);
  EXPECT_EQ(library::migrate_library(*db_).to, library::kLibrarySchemaVersion);
}

TEST_P(NotificationsConformance, AFirstScanIsABaselineAndLaterNewFilmsArrive) {
  auto first = repo_->scan_city("kyiv", {1, 2}, kNow);
  EXPECT_TRUE(first.baseline);
  EXPECT_EQ(first.arrived, 0u);
  EXPECT_TRUE(repo_->pending_arrivals(10).empty()) << "films playing before the first scan";

  auto second = repo_->scan_city("kyiv", {1, 2, 3}, kNow + minutes(1));
  EXPECT_FALSE(second.baseline);
  EXPECT_EQ(second.arrived, 1u);
  EXPECT_EQ(repo_->scan_city("kyiv", {1, 2, 3}, kNow + minutes(2)).arrived, 0u);
  auto pending = repo_->pending_arrivals(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].film_id, 3);
  EXPECT_EQ(pending[0].city, "kyiv");
  EXPECT_EQ(pending[0].first_seen_at, kNow + minutes(1));
  repo_->finish_arrival(3, "kyiv");
  repo_->finish_arrival(3, "kyiv");  // by the other process too
  EXPECT_TRUE(repo_->pending_arrivals(10).empty());

  // A film that stops playing is forgotten, and its return arrives again.
  EXPECT_EQ(repo_->scan_city("kyiv", {1}, kNow + minutes(3)).gone, 2u);
  EXPECT_EQ(repo_->scan_city("kyiv", {1, 3}, kNow + minutes(4)).arrived, 1u);
  pending = repo_->pending_arrivals(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].first_seen_at, kNow + minutes(4));
  // Another city has a baseline of its own.
  EXPECT_TRUE(repo_->scan_city("lviv", {3}, kNow).baseline);
  EXPECT_EQ(repo_->pending_arrivals(10).size(), 1u);
}

TEST_P(NotificationsConformance, AClaimMakesOneNoticePerUserFilmAndCityIn30Days) {
  auto n = repo_->claim_notice("ann", 7, "kyiv", kNow, kWindow, false);
  ASSERT_TRUE(n);
  EXPECT_GT(n->id, 0);
  EXPECT_EQ(n->kind, "now_playing");
  EXPECT_FALSE(n->read_at);
  EXPECT_FALSE(repo_->claim_notice("ann", 7, "kyiv", kNow + hours(1), kWindow, false));
  EXPECT_FALSE(repo_->claim_notice("ann", 7, "kyiv", kNow + days(29), kWindow, false));
  auto other_city = repo_->claim_notice("ann", 7, "lviv", kNow, kWindow, false);
  ASSERT_TRUE(other_city);
  EXPECT_GT(other_city->id, n->id);
  EXPECT_TRUE(repo_->claim_notice("bob", 7, "kyiv", kNow, kWindow, false));
  auto later = repo_->claim_notice("ann", 7, "kyiv", kNow + days(30), kWindow, true);
  ASSERT_TRUE(later) << "30 days on, the film may arrive again";
  EXPECT_EQ(later->read_at, kNow + days(30)) << "in-app notices off: created read";
  EXPECT_FALSE(repo_->claim_notice("ann", 7, "kyiv", kNow + days(31), kWindow, false));
  EXPECT_EQ(repo_->since("ann", 0, 10).size(), 3u);
}

TEST_P(NotificationsConformance, ConcurrentClaimsFromTwoProcessesMakeOneNotice) {
  auto other_db = open();
  auto other = notifications::make_notification_repository(*other_db);
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      NotificationRepository& r = t % 2 ? *other : *repo_;
      for (int film = 1; film <= 5; ++film) {
        if (r.claim_notice("ann", film, "kyiv", kNow, kWindow, false)) ++won;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(won.load(), 5);
  auto all = repo_->since("ann", 0, 100);
  ASSERT_EQ(all.size(), 5u);
  std::set<std::int64_t> ids, films;
  for (const auto& n : all) {
    ids.insert(n.id);
    films.insert(n.film_id);
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(films.size(), 5u);
}

TEST_P(NotificationsConformance, NoticesPageNewestFirstAndOnlyTheOwnerMarksThemRead) {
  std::vector<std::int64_t> ids;
  for (int film = 1; film <= 4; ++film)
    ids.push_back(
        repo_->claim_notice("ann", film, "kyiv", kNow + minutes(film), kWindow, false)->id);
  auto bobs = repo_->claim_notice("bob", 1, "kyiv", kNow, kWindow, false)->id;

  auto page = repo_->notices("ann", false, 0, 3);
  ASSERT_EQ(page.notices.size(), 3u);
  EXPECT_EQ(page.notices[0].id, ids[3]);
  EXPECT_EQ(page.notices[2].id, ids[1]);
  EXPECT_EQ(page.unread, 4);
  auto rest = repo_->notices("ann", false, page.notices.back().id, 3);
  ASSERT_EQ(rest.notices.size(), 1u);
  EXPECT_EQ(rest.notices[0].id, ids[0]);

  EXPECT_EQ(repo_->mark_read("ann", {ids[0], ids[2], bobs, 999999}, kNow), 2u)
      << "bob's notice and an unknown id are not ann's";
  EXPECT_EQ(repo_->mark_read("ann", {ids[0]}, kNow), 0u) << "already read";
  EXPECT_EQ(repo_->notices("bob", false, 0, 10).unread, 1) << "bob's notice untouched";
  auto unread = repo_->notices("ann", true, 0, 10);
  ASSERT_EQ(unread.notices.size(), 2u);
  EXPECT_EQ(unread.unread, 2);
  EXPECT_EQ(unread.notices[0].id, ids[3]);
  EXPECT_EQ(unread.notices[1].id, ids[1]);

  auto since = repo_->since("ann", ids[1], 10);
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0].id, ids[2]);
  EXPECT_EQ(since[1].id, ids[3]);

  EXPECT_EQ(repo_->mark_all_read("ann", kNow), 2u);
  EXPECT_EQ(repo_->notices("ann", false, 0, 10).unread, 0);
  EXPECT_EQ(repo_->notices("bob", false, 0, 10).unread, 1);
}

TEST_P(NotificationsConformance, SettingsHaveDefaultsAndAreSavedWhole) {
  auto s = repo_->settings("ann");
  EXPECT_TRUE(s.in_app);
  EXPECT_TRUE(s.push);
  EXPECT_FALSE(s.email_digest);
  EXPECT_TRUE(s.followed_cities.empty());
  s.push = false;
  s.email_digest = true;
  s.followed_cities = {"lviv", "kyiv"};
  repo_->save_settings("ann", s, kNow);
  auto back = repo_->settings("ann");
  EXPECT_TRUE(back.in_app);
  EXPECT_FALSE(back.push);
  EXPECT_TRUE(back.email_digest);
  EXPECT_EQ(back.followed_cities, (std::vector<std::string>{"lviv", "kyiv"}));
  back.followed_cities = {"london"};
  repo_->save_settings("ann", back, kNow);
  EXPECT_EQ(repo_->settings("ann").followed_cities, std::vector<std::string>{"london"});
  EXPECT_TRUE(repo_->settings("bob").in_app);
}

TEST_P(NotificationsConformance, ADigestIsClaimedOncePerUserAndDayWithItsMail) {
  notifications::Settings on;
  on.email_digest = true;
  repo_->save_settings("ann", on, kNow);
  repo_->save_settings("bob", {}, kNow);  // digest off
  repo_->save_settings("cy", on, kNow);   // nothing to tell
  auto a1 = repo_->claim_notice("ann", 1, "kyiv", kNow, kWindow, false)->id;
  auto a2 = repo_->claim_notice("ann", 2, "kyiv", kNow, kWindow, true)->id;
  repo_->claim_notice("bob", 1, "kyiv", kNow, kWindow, false);

  auto scan = repo_->digests_due("2026-12-01", "", 10, 10);
  EXPECT_FALSE(scan.more);
  ASSERT_EQ(scan.due.size(), 1u);
  EXPECT_EQ(scan.due[0].user_id, "ann");
  ASSERT_EQ(scan.due[0].notices.size(), 2u) << "read or not, a notice is in the digest";
  EXPECT_EQ(scan.due[0].notices[0].id, a1);
  // A page of one candidate at a time goes on after the last one looked at.
  auto first = repo_->digests_due("2026-12-01", "", 1, 10);
  EXPECT_TRUE(first.more);
  EXPECT_EQ(first.last_user, "ann");
  auto next = repo_->digests_due("2026-12-01", first.last_user, 1, 10);
  EXPECT_EQ(next.last_user, "cy");
  EXPECT_TRUE(next.due.empty());

  EXPECT_TRUE(repo_->claim_digest("ann", "2026-12-01", a2, message_to("ann@example.com"), kNow));
  EXPECT_FALSE(repo_->claim_digest("ann", "2026-12-01", a2, message_to("ann@example.com"), kNow))
      << "once a day";
  EXPECT_TRUE(repo_->digests_due("2026-12-01", "", 10, 10).due.empty());
  auto outbox = mail::make_outbox_repository(*db_)->list();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].message.to, "ann@example.com");

  // The next day: only what came after the last digest.
  EXPECT_TRUE(repo_->digests_due("2026-12-02", "", 10, 10).due.empty());
  auto a3 = repo_->claim_notice("ann", 3, "kyiv", kNow + days(1), kWindow, false)->id;
  scan = repo_->digests_due("2026-12-02", "", 10, 10);
  ASSERT_EQ(scan.due.size(), 1u);
  ASSERT_EQ(scan.due[0].notices.size(), 1u);
  EXPECT_EQ(scan.due[0].notices[0].id, a3);
  // No recipient (an unverified address): the day is marked, nothing queued.
  EXPECT_TRUE(repo_->claim_digest("ann", "2026-12-02", a3, mail::Message{}, kNow));
  EXPECT_EQ(mail::make_outbox_repository(*db_)->list().size(), 1u);
  EXPECT_TRUE(repo_->digests_due("2026-12-03", "", 10, 10).due.empty());
  EXPECT_THROW(
      repo_->claim_digest("ann", "2026-12-04", a3, message_to("a@b.c\r\nBcc: x@y.z"), kNow),
      mail::InvalidMessage);
}

TEST_P(NotificationsConformance, ErasingAUserTakesAllOfItsNotifications) {
  notifications::Settings s;
  s.followed_cities = {"lviv"};
  repo_->save_settings("ann", s, kNow);
  repo_->claim_notice("ann", 1, "kyiv", kNow, kWindow, false);
  repo_->claim_notice("bob", 1, "kyiv", kNow, kWindow, false);
  repo_->erase_user("ann");
  EXPECT_TRUE(repo_->since("ann", 0, 10).empty());
  EXPECT_TRUE(repo_->settings("ann").followed_cities.empty());
  EXPECT_EQ(repo_->since("bob", 0, 10).size(), 1u);
  // Its claims went too: a new account (or the same id) starts afresh.
  EXPECT_TRUE(repo_->claim_notice("ann", 1, "kyiv", kNow + hours(1), kWindow, false));
}

// The notifier on the store: users, a catalogue, a library and scrapes.
class NotifierOnTheStore : public NotificationsConformance {
 protected:
  struct Process {
    std::unique_ptr<Database> db;
    std::unique_ptr<NotificationRepository> notices;
    std::unique_ptr<library::LibraryRepository> library;
    accounts::AccountsStore accounts;
    std::unique_ptr<catalog::FilmRepository> films;
    notifications::NotifierStore store;
    BlockingPool pool{2, 64};
    notifications::NoticeHub hub;
    std::unique_ptr<notifications::Notifier> notifier;
  };

  void SetUp() override {
    NotificationsConformance::SetUp();
    if (IsSkipped()) return;
    for (auto* p : {&one_, &two_}) {
      p->db = open();
      p->notices = notifications::make_notification_repository(*p->db);
      p->library = library::make_library_repository(*p->db);
      p->accounts = accounts::make_accounts_store(*p->db);
      p->films = catalog::make_film_repository(*p->db);
      p->store = {p->notices.get(), &p->db->film_links(),    &p->db->locations(),
                  p->library.get(), p->accounts.users.get(), p->films.get()};
      notifications::NotifierOptions o;
      o.digest_hour = 24;  // never by itself: the tests ask
      o.public_origin = "https://cinema.example";
      p->notifier = std::make_unique<notifications::Notifier>(
          Async<notifications::NotifierStore>(p->store, p->pool), p->hub, o);
    }
    films_ = catalog::make_film_repository(*db_);
    users_ = accounts::make_accounts_store(*db_);
    library_ = library::make_library_repository(*db_);
  }

  void add_user(const std::string& id, const std::string& home, bool verified = true) {
    accounts::User u;
    u.id = id;
    u.email = id + "@example.com";
    u.display_name = id;
    u.lang = "en";
    u.home_city = home;
    u.email_verified = verified;
    u.created_at = u.updated_at = kNow;
    users_.users->create(u, std::nullopt, mail::Message{});
  }

  // A scrape of `city` with the film showing on `day`, then the catalogue's linker.
  void scrape(const std::string& city, int day) {
    auto m = testing::test_movie(
        "Dune: Part Two", "Дюна: Частина друга",
        {testing::test_theater("Oscar", "Main St 1", {{utc(2026, 12, day, 18, 0), "2D", "", ""}})});
    db_->showtimes().merge_movies(city, {m}, kNow);
    catalog::link_pending(*films_, db_->film_links(), kNow);
  }

  std::int64_t film() {
    auto all = films_->all_current();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? 0 : all[0].id;
  }

  // Both notifiers, each on its own thread and database connection, at `now`.
  std::size_t pass_both(SysSeconds now) {
    std::size_t made = 0;
    std::mutex m;
    std::vector<std::thread> threads;
    for (auto* p : {&one_, &two_}) {
      threads.emplace_back([&, p] {
        auto r = run_sync(p->notifier->run_once(now));
        std::lock_guard lock(m);
        made += r.notices;
      });
    }
    for (auto& t : threads)
      t.join();
    return made;
  }

  std::vector<notifications::Notice> notices_of(const std::string& user) {
    return repo_->since(user, 0, 100);
  }

  Process one_, two_;
  std::unique_ptr<catalog::FilmRepository> films_;
  accounts::AccountsStore users_;
  std::unique_ptr<library::LibraryRepository> library_;
};

TEST_P(NotifierOnTheStore, AScrapeBringingAWatchlistedFilmNotifiesEachWatcherOnce) {
  add_user("ann", "kyiv");
  add_user("bob", "lviv");   // follows kyiv
  add_user("cat", "kyiv");   // adds the film after it arrived
  add_user("dan", "kyiv");   // never wanted it
  add_user("eve", "odesa");  // wants it, elsewhere
  notifications::Settings follows;
  follows.followed_cities = {"kyiv"};
  repo_->save_settings("bob", follows, kNow);

  scrape("lviv", 10);  // the film exists (playing in Lviv, before anyone watched)
  auto f = film();
  EXPECT_EQ(pass_both(kNow), 0u) << "the first scans are baselines";
  for (const auto* u : {"ann", "bob", "eve"})
    library_->mark(u, f, library::MarkKind::watchlist, "", kNow + minutes(1));
  asio::io_context page_loop;  // never run: the test takes what was queued
  auto live_one = one_.hub.subscribe("ann", page_loop.get_executor());
  auto live_two = two_.hub.subscribe("ann", page_loop.get_executor());

  scrape("kyiv", 10);
  EXPECT_EQ(pass_both(kNow + minutes(2)), 2u);
  auto ann = notices_of("ann");
  ASSERT_EQ(ann.size(), 1u) << "one notice, not one per process or showtime";
  EXPECT_EQ(ann[0].film_id, f);
  EXPECT_EQ(ann[0].city, "kyiv");
  EXPECT_EQ(notices_of("bob").size(), 1u) << "bob follows kyiv";
  EXPECT_TRUE(notices_of("eve").empty());
  EXPECT_TRUE(notices_of("dan").empty());
  EXPECT_EQ(live_one->take().size() + live_two->take().size(), 1u)
      << "published once, by the process that created it";

  // More showtimes of the same film, and a watchlist entry made while it plays: nothing new.
  library_->mark("cat", f, library::MarkKind::watchlist, "", kNow + minutes(3));
  scrape("kyiv", 11);
  EXPECT_EQ(pass_both(kNow + minutes(4)), 0u);
  EXPECT_TRUE(notices_of("cat").empty()) << "the film was already playing when cat added it";

  // It stops playing, and comes back within 30 days: no second notice.
  for (int i = 0; i < 4; ++i)
    pass_both(utc(2026, 12, 12, 9, 0));  // after the last showtime: every city rescanned in turn
  scrape("kyiv", 20);
  pass_both(utc(2026, 12, 13, 9, 0));
  EXPECT_EQ(notices_of("ann").size(), 1u) << "within 30 days of ann's notice";
  EXPECT_EQ(notices_of("cat").size(), 1u) << "for cat, who added it before, this is an arrival";
  // Again after 30 days: a new notice.
  for (int i = 0; i < 4; ++i)
    pass_both(utc(2026, 12, 21, 9, 0));
  db_->showtimes().merge_movies(
      "kyiv",
      {testing::test_movie("Dune: Part Two", "Дюна: Частина друга",
                           {testing::test_theater("Oscar", "Main St 1",
                                                  {{utc(2027, 1, 20, 18, 0), "2D", "", ""}})})},
      kNow);
  pass_both(utc(2027, 1, 2, 9, 0));
  EXPECT_EQ(notices_of("ann").size(), 2u) << "more than 30 days on";
  EXPECT_EQ(notices_of("cat").size(), 1u) << "cat's notice is 20 days old";
}

TEST_P(NotifierOnTheStore, TheDailyDigestIsQueuedOncePerUserAcrossProcesses) {
  add_user("ann", "kyiv");
  add_user("bob", "kyiv", /*verified=*/false);
  notifications::Settings digest;
  digest.email_digest = true;
  repo_->save_settings("ann", digest, kNow);
  repo_->save_settings("bob", digest, kNow);
  scrape("lviv", 10);
  auto f = film();
  pass_both(kNow);
  library_->mark("ann", f, library::MarkKind::watchlist, "", kNow);
  library_->mark("bob", f, library::MarkKind::watchlist, "", kNow);
  scrape("kyiv", 10);
  pass_both(kNow + minutes(1));
  ASSERT_EQ(notices_of("ann").size(), 1u);

  std::atomic<std::size_t> queued{0};
  std::vector<std::thread> threads;
  for (auto* p : {&one_, &two_})
    threads.emplace_back([&, p] { queued += run_sync(p->notifier->run_digest_now(kNow)); });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(queued.load(), 1u);
  auto outbox = mail::make_outbox_repository(*db_)->list();
  ASSERT_EQ(outbox.size(), 1u) << "bob's address is not verified";
  EXPECT_EQ(outbox[0].message.to, "ann@example.com");
  EXPECT_EQ(outbox[0].message.kind, "notification_digest");
  EXPECT_NE(outbox[0].message.text_body.find("Dune: Part Two"), std::string::npos);
  EXPECT_NE(outbox[0].message.text_body.find("https://cinema.example/"), std::string::npos);
  EXPECT_EQ(run_sync(one_.notifier->run_digest_now(kNow + hours(1))), 0u) << "once a day";
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationsConformance,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const auto& param_info) { return param_info.param.name; });
INSTANTIATE_TEST_SUITE_P(Backends, NotifierOnTheStore,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace cinestream
