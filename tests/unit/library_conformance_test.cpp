// The library (include/cinestream/library/library_repository.hpp) held to one suite on both
// backends, like store_conformance_test.cpp.
#include <gtest/gtest.h>

#include <thread>

#include "cinestream/library/interaction_recorder.hpp"
#include "cinestream/library/library_store.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/mongo_peer.hpp"
#include "support/sample_data.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using library::MarkKind;
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
      fmt::format("cs_library_{}_{:x}", ::getpid(), std::hash<std::string>{}(dir)));
}

const SysSeconds kNow = utc(2026, 12, 1, 9, 0);

class LibraryConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().mongo) CINESTREAM_SKIP_WITHOUT_MONGO();
    db_ = GetParam().mongo ? make_mongo_store({mongo_uri_for(dir_.str()), "", 4})
                           : make_sqlite_store(dir_.str() + "/test.sqlite3", 4);
    db_->ensure_schema();
    library::migrate_library(*db_);
    repo_ = library::make_library_repository(*db_);
  }
  void TearDown() override {
    repo_.reset();
    if (GetParam().mongo && db_) {
      db_.reset();
      testing::drop_database(mongo_uri_for(dir_.str()));
    }
  }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<library::LibraryRepository> repo_;
};

TEST_P(LibraryConformance, RatingsKeepTheFilmsAggregateExact) {
  EXPECT_TRUE(repo_->rate("ann", 7, 9, kNow));
  EXPECT_TRUE(repo_->rate("bob", 7, 4, kNow));
  EXPECT_FALSE(repo_->rate("bob", 7, 4, kNow)) << "the same rating again changes nothing";
  EXPECT_TRUE(repo_->rate("bob", 7, 6, kNow));
  auto s = repo_->summary(7);
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(s.half_star_sum, 15);
  EXPECT_TRUE(repo_->unrate("ann", 7));
  EXPECT_FALSE(repo_->unrate("ann", 7));
  s = repo_->summary(7);
  EXPECT_EQ(s.count, 1);
  EXPECT_EQ(s.half_star_sum, 6);
  EXPECT_EQ(repo_->summary(8).count, 0);
  // A recount from the ratings agrees with the running aggregate.
  repo_->recount(7);
  EXPECT_EQ(repo_->summary(7).half_star_sum, 6);
  EXPECT_EQ(repo_->summary(7).count, 1);
}

TEST_P(LibraryConformance, MarksAreIdempotentToggles) {
  EXPECT_TRUE(repo_->mark("ann", 7, MarkKind::watchlist, "", kNow));
  EXPECT_FALSE(repo_->mark("ann", 7, MarkKind::watchlist, "", kNow));
  EXPECT_TRUE(repo_->mark("ann", 7, MarkKind::seen, "2026-11-30", kNow));
  EXPECT_FALSE(repo_->mark("ann", 7, MarkKind::seen, "2026-11-29", kNow));
  EXPECT_TRUE(repo_->mark("ann", 8, MarkKind::hidden, "", kNow));
  auto lib = repo_->library("ann");
  ASSERT_EQ(lib.marks.size(), 3u);
  for (const auto& m : lib.marks) {
    if (m.kind == MarkKind::seen) {
      EXPECT_EQ(m.watched_on, "2026-11-29");
    }
  }
  EXPECT_TRUE(repo_->unmark("ann", 7, MarkKind::watchlist));
  EXPECT_FALSE(repo_->unmark("ann", 7, MarkKind::watchlist));
  EXPECT_EQ(repo_->library("ann").marks.size(), 2u);
  EXPECT_TRUE(repo_->library("bob").marks.empty());
}

TEST_P(LibraryConformance, ErasingAUserTakesTheirRatingsOutOfTheAggregates) {
  repo_->rate("ann", 7, 10, kNow);
  repo_->rate("ann", 8, 2, kNow);
  repo_->rate("bob", 7, 4, kNow);
  repo_->mark("ann", 7, MarkKind::watchlist, "", kNow);
  repo_->erase_user("ann");
  auto lib = repo_->library("ann");
  EXPECT_TRUE(lib.ratings.empty());
  EXPECT_TRUE(lib.marks.empty());
  EXPECT_EQ(repo_->summary(7).count, 1);
  EXPECT_EQ(repo_->summary(7).half_star_sum, 4);
  EXPECT_EQ(repo_->summary(8).count, 0);
  EXPECT_EQ(repo_->library("bob").ratings.size(), 1u);
}

TEST_P(LibraryConformance, WatchersOfAFilmArePagedByUserAndAddedBefore) {
  using std::chrono::minutes;
  repo_->mark("cat", 7, MarkKind::watchlist, "", kNow);
  repo_->mark("ann", 7, MarkKind::watchlist, "", kNow);
  repo_->mark("bob", 7, MarkKind::watchlist, "", kNow + minutes(5));
  repo_->mark("dan", 7, MarkKind::seen, "", kNow);
  repo_->mark("eve", 8, MarkKind::watchlist, "", kNow);
  auto page = repo_->watchers(7, kNow + minutes(1), "", 10);
  ASSERT_EQ(page.size(), 2u) << "bob added it later, dan only saw it, eve wants another film";
  EXPECT_EQ(page[0].user_id, "ann");
  EXPECT_EQ(page[0].since, kNow);
  EXPECT_EQ(page[1].user_id, "cat");
  auto first = repo_->watchers(7, kNow + minutes(10), "", 2);
  ASSERT_EQ(first.size(), 2u);
  auto rest = repo_->watchers(7, kNow + minutes(10), first.back().user_id, 2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].user_id, "cat");
  EXPECT_EQ(repo_->watchers(7, kNow, "", 10).size(), 2u) << "added in the same second counts";
  EXPECT_TRUE(repo_->watchers(7, kNow - std::chrono::seconds(1), "", 10).empty());
}

TEST_P(LibraryConformance, ConcurrentRatingChangesLeaveTheAggregateRight) {
  // Two processes' requests of one user racing on one film, and other users meanwhile.
  if (GetParam().mongo && !testing::mongo_target().real)
    GTEST_SKIP() << "the MongoDB test peer accepts unique indexes without enforcing them";
  auto other = GetParam().mongo ? make_mongo_store({mongo_uri_for(dir_.str()), "", 4})
                                : make_sqlite_store(dir_.str() + "/test.sqlite3", 4);
  auto repo2 = library::make_library_repository(*other);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto& r = t % 2 ? *repo2 : *repo_;
      for (int i = 0; i < 20; ++i) {
        r.rate("ann", 7, 1 + (i + t) % 10, kNow);
        r.rate(fmt::format("user{}", t), 7, 1 + i % 10, kNow);
      }
    });
  }
  for (auto& th : threads)
    th.join();
  auto running = repo_->summary(7);
  repo_->recount(7);
  auto counted = repo_->summary(7);
  EXPECT_EQ(running.count, counted.count);
  EXPECT_EQ(running.half_star_sum, counted.half_star_sum);
  EXPECT_EQ(counted.count, 5);
}

library::Interaction interaction(std::string user, ActivityKind kind, std::int64_t film,
                                 std::string detail, SysSeconds at) {
  return {.user_id = std::move(user),
          .kind = kind,
          .film_id = film,
          .detail = std::move(detail),
          .at = at};
}

TEST_P(LibraryConformance, InteractionsAreKeptPerUserNewestFirstAndPruned) {
  auto repo = library::make_interaction_repository(*db_);
  std::vector<library::Interaction> batch{
      interaction("ann", ActivityKind::viewed_details, 7, "", kNow - std::chrono::hours(24 * 200)),
      interaction("ann", ActivityKind::searched, 0, "дюна", kNow - std::chrono::hours(2)),
      interaction("ann", ActivityKind::exported_calendar, 7, "", kNow - std::chrono::hours(1)),
      interaction("bob", ActivityKind::opened_showtimes, 8, "", kNow)};
  repo->append(batch);
  repo->append({});
  auto ann = repo->of_user("ann", 10);
  ASSERT_EQ(ann.size(), 3u);
  EXPECT_EQ(ann[0].kind, ActivityKind::exported_calendar);
  EXPECT_EQ(ann[0].film_id, 7);
  EXPECT_EQ(ann[0].at, kNow - std::chrono::hours(1));
  EXPECT_EQ(ann[1].kind, ActivityKind::searched);
  EXPECT_EQ(ann[1].detail, "дюна");
  EXPECT_EQ(ann[1].film_id, 0);
  EXPECT_EQ(repo->of_user("ann", 1).size(), 1u);

  // 180 days back: only the 200-day-old one goes.
  EXPECT_EQ(repo->prune(kNow - std::chrono::hours(24 * 180)), 1);
  EXPECT_EQ(repo->of_user("ann", 10).size(), 2u);
  EXPECT_EQ(repo->prune(kNow - std::chrono::hours(24 * 180)), 0);

  repo->erase_user("ann");
  EXPECT_TRUE(repo->of_user("ann", 10).empty());
  ASSERT_EQ(repo->of_user("bob", 10).size(), 1u);
  EXPECT_EQ(repo->of_user("bob", 10)[0].kind, ActivityKind::opened_showtimes);
}

TEST_P(LibraryConformance, RecentInteractionsAreEveryonesWithAFilmNewestFirst) {
  auto repo = library::make_interaction_repository(*db_);
  std::vector<library::Interaction> batch{
      interaction("ann", ActivityKind::viewed_details, 7, "", kNow - std::chrono::hours(24 * 20)),
      interaction("ann", ActivityKind::searched, 0, "дюна", kNow - std::chrono::hours(3)),
      interaction("bob", ActivityKind::opened_showtimes, 8, "", kNow - std::chrono::hours(2)),
      interaction("cat", ActivityKind::exported_calendar, 7, "", kNow - std::chrono::hours(1))};
  repo->append(batch);
  auto week = repo->recent(kNow - std::chrono::hours(24 * 7), 10);
  ASSERT_EQ(week.size(), 2u);  // not the search (no film), not the one 20 days old
  EXPECT_EQ(week[0].user_id, "cat");
  EXPECT_EQ(week[0].film_id, 7);
  EXPECT_EQ(week[0].kind, ActivityKind::exported_calendar);
  EXPECT_EQ(week[1].user_id, "bob");
  EXPECT_EQ(week[1].at, kNow - std::chrono::hours(2));
  ASSERT_EQ(repo->recent(kNow - std::chrono::hours(24 * 30), 1).size(), 1u);
  EXPECT_EQ(repo->recent(kNow - std::chrono::hours(24 * 30), 1)[0].user_id, "cat");
  EXPECT_EQ(repo->recent(kNow - std::chrono::hours(24 * 30), 10).size(), 3u);
}

TEST_P(LibraryConformance, AllRatingsArePagedInUserAndFilmOrder) {
  EXPECT_TRUE(repo_->rate("bob", 9, 4, kNow));
  EXPECT_TRUE(repo_->rate("ann", 12, 10, kNow));
  EXPECT_TRUE(repo_->rate("ann", 7, 6, kNow));
  EXPECT_TRUE(repo_->rate("bob", 3, 1, kNow));
  EXPECT_TRUE(repo_->rate("cat", 7, 8, kNow));
  std::vector<std::string> seen;
  std::string user;
  std::int64_t film = 0;
  for (;;) {
    auto page = repo_->ratings_after(user, film, 2);
    ASSERT_LE(page.size(), 2u);
    if (page.empty()) break;
    for (const auto& r : page)
      seen.push_back(fmt::format("{}:{}:{}", r.user_id, r.film_id, r.half_stars));
    user = page.back().user_id;
    film = page.back().film_id;
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"ann:7:6", "ann:12:10", "bob:3:1", "bob:9:4", "cat:7:8"}));
  EXPECT_TRUE(repo_->unrate("bob", 9));
  EXPECT_EQ(repo_->ratings_after("ann", 12, 10).size(), 2u);
  EXPECT_TRUE(repo_->ratings_after("cat", 7, 10).empty());
}

TEST_P(LibraryConformance, TheRecorderWritesInBatchesAndDropsBeyondItsBound) {
  auto repo = library::make_interaction_repository(*db_);
  library::InteractionRecorderOptions options;
  options.max_pending = 5;
  options.batch = 2;
  library::InteractionRecorder recorder(options);
  std::string long_query(300, 'x');
  long_query.replace(199, 2, "ї");  // a two-byte character across the 200-byte limit
  for (int i = 0; i < 7; ++i)
    recorder.note(
        {.user_id = "ann", .kind = ActivityKind::searched, .film_id = 0, .detail = long_query});
  EXPECT_EQ(recorder.pending(), 5u);
  EXPECT_EQ(recorder.dropped(), 2);
  recorder.flush_blocking(*repo);
  EXPECT_EQ(recorder.pending(), 0u);
  auto ann = repo->of_user("ann", 10);
  ASSERT_EQ(ann.size(), 5u);
  EXPECT_EQ(ann[0].detail, std::string(199, 'x')) << "cut before the character, not inside it";
}

INSTANTIATE_TEST_SUITE_P(Backends, LibraryConformance,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace cinestream
