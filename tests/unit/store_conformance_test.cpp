// One suite for every storage backend: each case states a behaviour of a repository
// (include/cinestream/store/*_repository.hpp) or of the Database's schema and migrations.
// Backends register a factory in kBackends. MongoDB runs against CINESTREAM_TEST_MONGO_URI when
// set, else against the wire-protocol peer (tests/support/mongo_peer.hpp); cases that need what the
// peer only fakes are skipped there with the reason, never passed.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "cinestream/store/module_migrations.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/mongo_peer.hpp"
#include "support/sample_data.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using testing::test_locations;
using testing::test_movie;
using testing::test_theater;
using testing::utc;
using namespace std::chrono_literals;

struct Backend {
  std::string name;
  // Opens a store on `dir`; two calls with the same dir share the data (like two processes).
  std::function<std::unique_ptr<Database>(const std::string& dir)> open;
  bool mongo = false;
};

// One MongoDB database per test directory, so tests are independent.
std::string mongo_uri_for(const std::string& dir) {
  return testing::mongo_target().uri(
      fmt::format("cs_test_{}_{:x}", ::getpid(), std::hash<std::string>{}(dir)));
}

// Test names and logs show the backend's name rather than the struct's bytes.
void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

const std::vector<Backend> kBackends = {
    {"sqlite", [](const std::string& dir) { return make_sqlite_store(dir + "/test.sqlite3", 4); },
     false},
    {"mongodb",
     [](const std::string& dir) {
       return make_mongo_store({mongo_uri_for(dir), "", 4});
     },
     true},
};

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().mongo) CINESTREAM_SKIP_WITHOUT_MONGO();
    store_ = GetParam().open(dir_.str());
    store_->ensure_schema();
    store_->locations().seed_locations(test_locations());
  }
  void TearDown() override {
    if (GetParam().mongo && store_) {
      store_.reset();
      testing::drop_database(mongo_uri_for(dir_.str()));
    }
  }
  std::unique_ptr<Database> open_again() { return GetParam().open(dir_.str()); }
  // For cases that rely on what the MongoDB test peer only fakes.
  bool peer_fakes_it() const { return GetParam().mongo && !testing::mongo_target().real; }

  testing::TempDir dir_;
  std::unique_ptr<Database> store_;
};

// --- Database: schema, migrations per module, health ---------------------------------------------

TEST_P(StoreConformance, SchemaAndSeedAreIdempotent) {
  store_->ensure_schema();
  EXPECT_EQ(store_->locations().seed_locations(test_locations()), 0u);
  auto locations = store_->locations().locations();
  ASSERT_EQ(locations.size(), 3u);
  EXPECT_EQ(locations[0].id, "kyiv");
  EXPECT_EQ(locations[0].name.ua, "Київ");
  EXPECT_EQ(locations[2].tz, "Europe/London");
}

TEST_P(StoreConformance, SchemaVersionIsRecordedAndReopeningAppliesNothing) {
  EXPECT_EQ(store_->schema_version(), kStoreSchemaVersion);
  auto again = open_again()->ensure_schema();
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.from, kStoreSchemaVersion);
  EXPECT_EQ(again.to, kStoreSchemaVersion);
}

TEST_P(StoreConformance, OpenersOfAnEmptyStoreApplyEachMigrationOnce) {
  testing::TempDir fresh;
  constexpr int kOpeners = 4;
  std::vector<SchemaReport> reports(kOpeners);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kOpeners; ++i)
      threads.emplace_back([&, i] { reports[i] = GetParam().open(fresh.str())->ensure_schema(); });
    for (auto& t : threads)
      t.join();
  }
  std::map<int, int> applied;
  for (const auto& r : reports)
    for (const auto& m : r.applied)
      ++applied[m.version];
  EXPECT_EQ(applied.size(), static_cast<std::size_t>(kStoreSchemaVersion));
  if (!peer_fakes_it()) {  // the peer does not enforce the unique (module, version) index
    for (const auto& [version, times] : applied)
      EXPECT_EQ(times, 1) << "migration " << version;
  }
  EXPECT_EQ(GetParam().open(fresh.str())->schema_version(), kStoreSchemaVersion);
  if (GetParam().mongo) testing::drop_database(mongo_uri_for(fresh.str()));
}

// A feature module's migrations, as accounts will register them: recorded under its own name,
// beside the platform's "store" module and without changing its version.
const sqlite::Migration kWidgetSqlite[] = {
    {1, "widgets",
     [](sqlite::Connection& c) {
       c.exec("CREATE TABLE IF NOT EXISTS test_widgets (name TEXT PRIMARY KEY)");
     }},
    {2, "widgets.colour",
     [](sqlite::Connection& c) {
       c.exec("ALTER TABLE test_widgets ADD COLUMN colour TEXT NOT NULL DEFAULT ''");
     }},
};
const mongo::Migration kWidgetMongo[] = {
    {1, "widgets",
     [](mongo::Conn& c) {
       mongo::Doc list;
       mongo::index(list, "name_unique", mongo::Doc().i32("name", 1), true);
       mongo::create_indexes(c, "test_widgets", list);
     }},
    {2, "widgets.colour",
     [](mongo::Conn& c) {
       mongo::update_many(c, "test_widgets",
                          mongo::Doc().doc("colour", mongo::Doc().boolean("$exists", false)),
                          mongo::Doc().doc("$set", mongo::Doc().str("colour", "")));
     }},
};

TEST_P(StoreConformance, AFeatureModuleMigratesUnderItsOwnName) {
  std::span<const sqlite::Migration> sqlite_v1(kWidgetSqlite, 1);
  std::span<const mongo::Migration> mongo_v1(kWidgetMongo, 1);
  EXPECT_EQ(module_schema_version(*store_, "widgets"), 0);
  auto first = migrate_module(*store_, "widgets", sqlite_v1, mongo_v1);
  EXPECT_EQ(first.from, 0);
  EXPECT_EQ(first.to, 1);
  ASSERT_EQ(first.applied.size(), 1u);
  EXPECT_EQ(first.applied[0].version, 1);
  EXPECT_EQ(first.applied[0].name, "widgets");
  EXPECT_EQ(module_schema_version(*store_, "widgets"), 1);
  EXPECT_EQ(store_->schema_version(), kStoreSchemaVersion);  // the platform's module is apart

  // Another process opening the same store applies nothing; a newer binary applies only what is
  // new; the older binary then refuses the store.
  auto other = open_again();
  EXPECT_TRUE(migrate_module(*other, "widgets", sqlite_v1, mongo_v1).applied.empty());
  auto second = migrate_module(*other, "widgets", kWidgetSqlite, kWidgetMongo);
  EXPECT_EQ(second.from, 1);
  ASSERT_EQ(second.applied.size(), 1u);
  EXPECT_EQ(second.applied[0].version, 2);
  EXPECT_THROW(migrate_module(*store_, "widgets", sqlite_v1, mongo_v1), SchemaTooNew);
  EXPECT_TRUE(store_->ensure_schema().applied.empty());

  // Each version needs both backends' migration.
  EXPECT_THROW(migrate_module(*store_, "gadgets", kWidgetSqlite, mongo_v1), std::invalid_argument);
  EXPECT_EQ(module_schema_version(*store_, "gadgets"), 0);
}

TEST_P(StoreConformance, HealthCheckPasses) {
  EXPECT_NO_THROW(store_->check_health());
}

// --- LocationRepository --------------------------------------------------------------------------

TEST_P(StoreConformance, SeedKeepsStateAndUpdatesNames) {
  store_->scrape_locks().try_lock_city("kyiv", "w1", "test", 300s, utc(2026, 11, 21, 10, 0));
  auto renamed = test_locations();
  renamed[0].name.en = "Kyiv City";
  EXPECT_EQ(store_->locations().seed_locations(renamed), 0u);
  EXPECT_EQ(store_->locations().locations()[0].name.en, "Kyiv City");
  EXPECT_EQ(store_->locations().location_state("kyiv")->status, ScrapeStatus::processing);
}

TEST_P(StoreConformance, NewCityStartsStaleAtVersionZero) {
  auto s = store_->locations().location_state("lviv");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, ScrapeStatus::stale);
  EXPECT_EQ(s->data_version, 0);
  EXPECT_FALSE(s->last_updated);
  EXPECT_FALSE(store_->locations().location_state("atlantis"));
}

// --- ShowtimeRepository --------------------------------------------------------------------------

TEST_P(StoreConformance, MergeStoresMovieTheatersShowtimes) {
  auto now = utc(2026, 11, 21, 8, 0);
  std::vector<Movie> scraped{
      test_movie("Dune", "Дюна",
                 {test_theater("Multiplex Lavina", "Berkovetska 6",
                               {{utc(2026, 11, 21, 16, 0), "imax", "original", "1"},
                                {utc(2026, 11, 21, 19, 0), "2D", "Ukrainian dubbing", "2"}}),
                  test_theater("Oskar", "Hnata Yury 9",
                               {{utc(2026, 11, 22, 17, 30), "3D", "original", ""}})})};
  auto stats = store_->showtimes().merge_movies("kyiv", scraped, now);
  EXPECT_EQ(stats.movies_added, 1);
  EXPECT_EQ(stats.theaters_added, 2);
  EXPECT_EQ(stats.showtimes_added, 3);
  EXPECT_EQ(stats.showtimes_duplicate, 0);
  EXPECT_EQ(store_->locations().location_state("kyiv")->data_version, 1);

  auto day =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0));
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(day[0].title.en, "Dune");
  EXPECT_EQ(day[0].title.ua, "Дюна");
  ASSERT_EQ(day[0].theaters.size(), 1u);
  EXPECT_EQ(day[0].theaters[0].name, "Multiplex Lavina");
  ASSERT_EQ(day[0].theaters[0].showtimes.size(), 2u);
  EXPECT_EQ(day[0].theaters[0].showtimes[0].format, "IMAX");  // canonical upper case
  EXPECT_EQ(day[0].theaters[0].showtimes[0].start, utc(2026, 11, 21, 16, 0));
  EXPECT_TRUE(store_->showtimes()
                  .movies_between("lviv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 23, 0, 0))
                  .empty());
}

TEST_P(StoreConformance, MergeDeduplicatesAcrossSpellings) {
  auto now = utc(2026, 11, 21, 8, 0);
  store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Dune: Part Two", "Дюна 2",
                  {test_theater("Multiplex", "Berkovetska 6",
                                {{utc(2026, 11, 21, 16, 0), "IMAX", "original", "1"}})})},
      now);
  auto again = store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("DUNE — part two!", "",
                  {test_theater("multiplex", "",
                                {{utc(2026, 11, 21, 16, 0), "imax", "original", "1"},
                                 {utc(2026, 11, 21, 20, 0), "imax", "original", "1"}})})},
      now);
  EXPECT_EQ(again.movies_added, 0);
  EXPECT_EQ(again.theaters_added, 0);
  EXPECT_EQ(again.showtimes_added, 1);
  EXPECT_EQ(again.showtimes_duplicate, 1);
  auto movies =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0));
  ASSERT_EQ(movies.size(), 1u);
  EXPECT_EQ(movies[0].title.en, "Dune: Part Two");  // the first spelling is kept
  EXPECT_EQ(movies[0].title.ua, "Дюна 2");          // and not blanked by the second
}

// Found by tests/fuzz/fuzz_merge: a theater first known without an address took the address of
// the next same-named one, and then of a third with another address, so that third theater's
// showtimes landed under the wrong address and a re-merge of the same answer added them again.
TEST_P(StoreConformance, TheaterAddressIsLearnedOnceAndMergeIsIdempotent) {
  auto now = utc(2026, 11, 21, 8, 0);
  std::vector<Movie> scraped{test_movie(
      "Dune", "Дюна",
      {test_theater("Multiplex", "", {{utc(2026, 11, 21, 16, 0), "2D", "", ""}}),
       test_theater("Multiplex", "Main St 1", {{utc(2026, 11, 21, 17, 0), "2D", "", ""}}),
       test_theater("Multiplex", "Other 2", {{utc(2026, 11, 21, 18, 0), "2D", "", ""}})})};
  auto first = store_->showtimes().merge_movies("kyiv", scraped, now);
  EXPECT_EQ(first.theaters_added, 2);
  EXPECT_EQ(first.showtimes_added, 3);
  auto movies =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0));
  ASSERT_EQ(movies.size(), 1u);
  std::map<std::string, std::size_t> by_address;
  for (const auto& t : movies[0].theaters)
    by_address[t.address] += t.showtimes.size();
  EXPECT_EQ(by_address["Main St 1"], 2u);  // the address-less showtime joined the first address
  EXPECT_EQ(by_address["Other 2"], 1u);
  auto again = store_->showtimes().merge_movies("kyiv", scraped, now);
  EXPECT_EQ(again.theaters_added, 0);
  EXPECT_EQ(again.showtimes_added, 0);
  EXPECT_EQ(again.showtimes_duplicate, 3);
}

TEST_P(StoreConformance, SameStartDifferentFormatIsTwoShowtimes) {
  auto now = utc(2026, 11, 21, 8, 0);
  auto stats = store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Wicked", "Чародійка",
                  {test_theater("Oskar", "a",
                                {{utc(2026, 11, 21, 16, 0), "2D", "original", ""},
                                 {utc(2026, 11, 21, 16, 0), "3D", "original", ""},
                                 {utc(2026, 11, 21, 16, 0), "2D", "dubbed", ""}})})},
      now);
  EXPECT_EQ(stats.showtimes_added, 3);
}

TEST_P(StoreConformance, DuplicateOnlyMergeLeavesVersion) {
  auto now = utc(2026, 11, 21, 8, 0);
  std::vector<Movie> m{test_movie(
      "Dune", "Дюна", {test_theater("Oskar", "a", {{utc(2026, 11, 21, 16, 0), "2D", "x", ""}})})};
  store_->showtimes().merge_movies("kyiv", m, now);
  auto v = store_->locations().location_state("kyiv")->data_version;
  store_->showtimes().merge_movies("kyiv", m, now);
  EXPECT_EQ(store_->locations().location_state("kyiv")->data_version, v);
}

TEST_P(StoreConformance, MergeIntoUnknownCityFailsAndWritesNothing) {
  EXPECT_ANY_THROW(store_->showtimes().merge_movies(
      "atlantis", {test_movie("Dune", "", {test_theater("X", "", {})})}, utc(2026, 1, 1, 0, 0)));
}

TEST_P(StoreConformance, PruneRemovesPastShowtimesAndEmptyMovies) {
  auto now = utc(2026, 11, 21, 8, 0);
  store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Old", "Старий",
                  {test_theater("A", "a", {{utc(2026, 11, 20, 10, 0), "", "", ""}})}),
       test_movie("Mixed", "Змішаний",
                  {test_theater("A", "a",
                                {{utc(2026, 11, 20, 12, 0), "", "", ""},
                                 {utc(2026, 11, 22, 12, 0), "", "", ""}})})},
      now);
  auto v = store_->locations().location_state("kyiv")->data_version;
  EXPECT_EQ(store_->showtimes().prune_before("kyiv", now), 2u);
  EXPECT_GT(store_->locations().location_state("kyiv")->data_version, v);
  auto left =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].title.en, "Mixed");
  // The movie that lost every showtime is gone: merging it again adds it anew.
  auto again = store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Old", "", {test_theater("A", "a", {{utc(2026, 11, 23, 10, 0), "", "", ""}})})},
      now);
  EXPECT_EQ(again.movies_added, 1);
}

TEST_P(StoreConformance, InterruptedMergeConvergesWhenRunAgain) {
  auto now = utc(2026, 11, 21, 8, 0);
  auto at = [](int h) { return utc(2026, 11, 21, h, 0); };
  std::vector<Movie> full{
      test_movie("Dune", "Дюна",
                 {test_theater("Oskar", "a", {{at(16), "2D", "x", ""}, {at(19), "IMAX", "x", ""}}),
                  test_theater("Planeta", "b", {{at(17), "2D", "x", ""}})}),
      test_movie("Arrival", "Прибуття", {test_theater("Oskar", "a", {{at(18), "2D", "x", ""}})}),
      test_movie("Heat", "", {test_theater("Planeta", "b", {{at(20), "2D", "x", ""}})})};
  // What a merge stopped half-way left: the first movie with part of its showtimes.
  std::vector<Movie> prefix{
      test_movie("Dune", "Дюна", {test_theater("Oskar", "a", {{at(16), "2D", "x", ""}})})};
  store_->showtimes().merge_movies("kyiv", prefix, now);
  auto v_prefix = store_->locations().location_state("kyiv")->data_version;
  auto stats = store_->showtimes().merge_movies("kyiv", full, now);
  EXPECT_EQ(stats.showtimes_added, 4);
  EXPECT_EQ(stats.showtimes_duplicate, 1);
  EXPECT_GT(store_->locations().location_state("kyiv")->data_version, v_prefix);
  // Once more: nothing to add, nothing duplicated, the version stays.
  auto v_full = store_->locations().location_state("kyiv")->data_version;
  auto again = store_->showtimes().merge_movies("kyiv", full, now);
  EXPECT_EQ(again.showtimes_added, 0);
  EXPECT_EQ(again.movies_added, 0);
  EXPECT_EQ(store_->locations().location_state("kyiv")->data_version, v_full);
  // The same state as one clean merge: three movies, five showtimes, two cinemas.
  auto movies = store_->showtimes().movies_between("kyiv", at(0), at(24));
  ASSERT_EQ(movies.size(), 3u);
  std::size_t showtimes = 0;
  for (const auto& m : movies) {
    for (const auto& t : m.theaters)
      showtimes += t.showtimes.size();
  }
  EXPECT_EQ(showtimes, 5u);
  EXPECT_EQ(store_->showtimes().theaters("kyiv").size(), 2u);
}

TEST_P(StoreConformance, ChangesAreSeenByAnotherInstance) {
  auto other = open_again();
  other->showtimes().merge_movies(
      "lviv",
      {test_movie("Dune", "",
                  {test_theater("Kinopalats", "", {{utc(2026, 11, 21, 12, 0), "", "", ""}})})},
      utc(2026, 11, 21, 8, 0));
  EXPECT_EQ(store_->locations().location_state("lviv")->data_version, 1);
  EXPECT_EQ(store_->showtimes()
                .movies_between("lviv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0))
                .size(),
            1u);
}

TEST_P(StoreConformance, ConcurrentMergesIntoOneMovieLoseNothing) {
  // Several processes add different showtimes to the same stored movie at once: every one of them
  // must survive (no read-modify-write race).
  auto now = utc(2026, 11, 21, 8, 0);
  store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Dune", "", {test_theater("A", "a", {{utc(2026, 11, 21, 9, 0), "", "", ""}})})},
      now);
  std::vector<std::unique_ptr<Database>> stores;
  for (int i = 0; i < 4; ++i)
    stores.push_back(open_again());
  std::atomic<int> added{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k) {
        // Worker i's k-th showtime: in cinema A and in a cinema of its own.
        auto at = utc(2026, 11, 22, 10 + i, 10 * k);
        auto stats = stores[i]->showtimes().merge_movies(
            "kyiv",
            {test_movie("Dune", "",
                        {test_theater("A", "a", {{at, "2D", "", ""}}),
                         test_theater("Own " + std::to_string(i), "", {{at, "3D", "", ""}})})},
            now);
        added += stats.showtimes_added;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(added.load(), 40);
  auto movies =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 23, 0, 0));
  ASSERT_EQ(movies.size(), 1u);
  std::size_t shows = 0;
  for (const auto& t : movies[0].theaters)
    shows += t.showtimes.size();
  EXPECT_EQ(shows, 41u);
  EXPECT_EQ(movies[0].theaters.size(), 5u);
}

TEST_P(StoreConformance, ConcurrentFirstMergesCreateOneMovie) {
  if (peer_fakes_it()) {
    GTEST_SKIP() << "needs a real MongoDB (set CINESTREAM_TEST_MONGO_URI): the test peer does not "
                    "enforce the unique (city_id, title_key) index this relies on";
  }
  auto now = utc(2026, 11, 21, 8, 0);
  std::vector<std::unique_ptr<Database>> stores;
  for (int i = 0; i < 4; ++i)
    stores.push_back(open_again());
  std::atomic<int> movies_added{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto stats = stores[i]->showtimes().merge_movies(
          "lviv",
          {test_movie("Wicked", "",
                      {test_theater("B", "b", {{utc(2026, 11, 22, 10 + i, 0), "", "", ""}})})},
          now);
      movies_added += stats.movies_added;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(movies_added.load(), 1);
  auto movies =
      store_->showtimes().movies_between("lviv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 23, 0, 0));
  ASSERT_EQ(movies.size(), 1u);
  ASSERT_EQ(movies[0].theaters.size(), 1u);
  EXPECT_EQ(movies[0].theaters[0].showtimes.size(), 4u);
}

TEST_P(StoreConformance, TheatersAreTheCitysCinemas) {
  auto now = utc(2026, 11, 21, 8, 0);
  store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Dune", "",
                  {test_theater("Oskar", "", {{utc(2026, 11, 21, 9, 0), "", "", ""}}),
                   test_theater("Lavina", "Berkovetska 6", {})}),
       test_movie(
           "Wicked", "",
           {test_theater("oskar", "Hnata Yury 9", {{utc(2026, 11, 21, 9, 0), "", "", ""}})})},
      now);
  auto theaters = store_->showtimes().theaters("kyiv");
  ASSERT_EQ(theaters.size(), 2u);
  EXPECT_EQ(theaters[0].name, "Oskar");
  EXPECT_EQ(theaters[0].address, "Hnata Yury 9");  // the missing address was filled in
  EXPECT_EQ(theaters[1].name, "Lavina");
  EXPECT_TRUE(store_->showtimes().theaters("lviv").empty());
}

// --- ScrapeLockRepository ------------------------------------------------------------------------

TEST_P(StoreConformance, LockIsExclusiveUntilReleased) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  auto a = store_->scrape_locks().try_lock_city("kyiv", "worker-a", "request", 300s, t0);
  EXPECT_EQ(a.outcome, LockOutcome::acquired);
  EXPECT_EQ(a.state.status, ScrapeStatus::processing);
  EXPECT_EQ(a.state.lock_owner, "worker-a");
  auto b = store_->scrape_locks().try_lock_city("kyiv", "worker-b", "request", 300s, t0 + 10s);
  EXPECT_EQ(b.outcome, LockOutcome::held);
  EXPECT_EQ(b.state.lock_owner, "worker-a");
  EXPECT_FALSE(store_->scrape_locks().release_city_lock("kyiv", "worker-b", ScrapeStatus::fresh, "",
                                                        t0 + 20s));
  EXPECT_TRUE(store_->scrape_locks().release_city_lock("kyiv", "worker-a", ScrapeStatus::fresh, "",
                                                       t0 + 20s));
  auto s = store_->locations().location_state("kyiv");
  EXPECT_EQ(s->status, ScrapeStatus::fresh);
  EXPECT_EQ(s->last_updated, t0 + 20s);
  EXPECT_TRUE(s->lock_owner.empty());
  EXPECT_EQ(
      store_->scrape_locks().try_lock_city("kyiv", "worker-b", "request", 300s, t0 + 30s).outcome,
      LockOutcome::acquired);
}

TEST_P(StoreConformance, LapsedLeaseCanBeTakenOver) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "dead", "request", 300s, t0).outcome,
            LockOutcome::acquired);
  EXPECT_EQ(
      store_->scrape_locks().try_lock_city("kyiv", "alive", "request", 300s, t0 + 299s).outcome,
      LockOutcome::held);
  EXPECT_EQ(
      store_->scrape_locks().try_lock_city("kyiv", "alive", "request", 300s, t0 + 300s).outcome,
      LockOutcome::acquired);
  // The dead holder can neither renew nor release what it lost.
  EXPECT_FALSE(store_->scrape_locks().renew_city_lock("kyiv", "dead", 300s, t0 + 301s));
  EXPECT_FALSE(store_->scrape_locks().release_city_lock("kyiv", "dead", ScrapeStatus::failed, "x",
                                                        t0 + 301s));
  EXPECT_EQ(store_->locations().location_state("kyiv")->lock_owner, "alive");
}

TEST_P(StoreConformance, EndOfALockBumpsTheVersion) {
  // A holder's merges are over when its lock ends (released or expired), so a page cached from a
  // merge that stopped half-way is dropped then.
  auto t0 = utc(2026, 11, 21, 10, 0);
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "A", "request", 60s, t0).outcome,
            LockOutcome::acquired);
  auto v = store_->locations().location_state("kyiv")->data_version;
  ASSERT_TRUE(store_->scrape_locks().release_city_lock("kyiv", "A", ScrapeStatus::stale, "stopped",
                                                       t0 + 1s));
  EXPECT_GT(store_->locations().location_state("kyiv")->data_version, v);
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "B", "request", 60s, t0 + 2s).outcome,
            LockOutcome::acquired);
  v = store_->locations().location_state("kyiv")->data_version;
  ASSERT_EQ(store_->scrape_locks().expire_lapsed_locks(t0 + 120s),
            std::vector<std::string>{"kyiv"});
  EXPECT_GT(store_->locations().location_state("kyiv")->data_version, v);
}

TEST_P(StoreConformance, RenewExtendsTheLease) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  store_->scrape_locks().try_lock_city("kyiv", "a", "request", 300s, t0);
  EXPECT_TRUE(store_->scrape_locks().renew_city_lock("kyiv", "a", 300s, t0 + 200s));
  EXPECT_EQ(store_->scrape_locks().try_lock_city("kyiv", "b", "request", 300s, t0 + 400s).outcome,
            LockOutcome::held);
  EXPECT_EQ(store_->scrape_locks().try_lock_city("kyiv", "b", "request", 300s, t0 + 500s).outcome,
            LockOutcome::acquired);
}

TEST_P(StoreConformance, ExpireLapsedLocksMarksStale) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  store_->scrape_locks().try_lock_city("kyiv", "a", "request", 60s, t0);
  store_->scrape_locks().try_lock_city("lviv", "b", "request", 600s, t0);
  EXPECT_TRUE(store_->scrape_locks().expire_lapsed_locks(t0 + 30s).empty());
  auto expired = store_->scrape_locks().expire_lapsed_locks(t0 + 61s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], "kyiv");
  EXPECT_EQ(store_->locations().location_state("kyiv")->status, ScrapeStatus::stale);
  EXPECT_EQ(store_->locations().location_state("lviv")->status, ScrapeStatus::processing);
}

TEST_P(StoreConformance, LockOnUnknownCity) {
  EXPECT_EQ(store_->scrape_locks()
                .try_lock_city("atlantis", "a", "r", 60s, utc(2026, 1, 1, 0, 0))
                .outcome,
            LockOutcome::unknown_city);
}

TEST_P(StoreConformance, FailedReleaseKeepsTheError) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  store_->scrape_locks().try_lock_city("kyiv", "a", "request", 60s, t0);
  store_->scrape_locks().release_city_lock("kyiv", "a", ScrapeStatus::failed, "budget reached",
                                           t0 + 1s);
  auto s = store_->locations().location_state("kyiv");
  EXPECT_EQ(s->status, ScrapeStatus::failed);
  EXPECT_EQ(s->error, "budget reached");
  EXPECT_FALSE(s->last_updated);
}

// A scrape that ran out of budget ends partial: the status is kept as such, with its reason, and
// the city can be locked again.
TEST_P(StoreConformance, PartialReleaseIsKeptAndTheCityCanBeLockedAgain) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "a", "request", 60s, t0).outcome,
            LockOutcome::acquired);
  ASSERT_TRUE(store_->scrape_locks().release_city_lock(
      "kyiv", "a", ScrapeStatus::partial, "the daily Gemini budget is spent", t0 + 1s));
  auto s = store_->locations().location_state("kyiv");
  EXPECT_EQ(s->status, ScrapeStatus::partial);
  EXPECT_EQ(s->error, "the daily Gemini budget is spent");
  EXPECT_EQ(store_->scrape_locks().try_lock_city("kyiv", "b", "request", 60s, t0 + 2s).outcome,
            LockOutcome::acquired);
}

TEST_P(StoreConformance, OnlyOneOfManyConcurrentLockersWins) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  std::vector<std::unique_ptr<Database>> stores;
  for (int i = 0; i < 4; ++i)
    stores.push_back(open_again());
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k) {
        auto r = stores[i]->scrape_locks().try_lock_city(
            "kyiv", "owner-" + std::to_string(i * 10 + k), "r", 300s, t0);
        if (r.outcome == LockOutcome::acquired) ++winners;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(StoreConformance, ProgressOnlyFromTheLockHolder) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  EXPECT_FALSE(
      store_->scrape_locks().set_progress("kyiv", "a", R"({"step":"cinemas"})"));  // no lock
  store_->scrape_locks().try_lock_city("kyiv", "a", "request", 300s, t0);
  EXPECT_TRUE(store_->scrape_locks().set_progress("kyiv", "a", R"({"step":"cinemas"})"));
  EXPECT_FALSE(store_->scrape_locks().set_progress("kyiv", "b", R"({"step":"hijack"})"));
  EXPECT_EQ(store_->locations().location_state("kyiv")->progress, R"({"step":"cinemas"})");
  store_->scrape_locks().release_city_lock("kyiv", "a", ScrapeStatus::fresh, "", t0 + 1s);
  // A new lock starts with empty progress.
  store_->scrape_locks().try_lock_city("kyiv", "c", "request", 300s, t0 + 2s);
  EXPECT_EQ(store_->locations().location_state("kyiv")->progress, "");
}

// --- Fenced writes (showtimes, coverage) under the city lock -------------------------------------

TEST_P(StoreConformance, FencedWritesOfALapsedOwnerAreRefusedAndChangeNothing) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  std::vector<Movie> m{test_movie(
      "Dune", "Дюна", {test_theater("Oskar", "a", {{utc(2026, 11, 21, 16, 0), "2D", "x", ""}})})};
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "A", "request", 300s, t0).outcome,
            LockOutcome::acquired);
  // While A holds the lock its fenced writes land.
  EXPECT_EQ(store_->showtimes().merge_movies_fenced("kyiv", "A", m, t0).showtimes_added, 1);
  store_->coverage().mark_covered_fenced("kyiv", "A", {"2026-11-21"}, t0);
  // A's lease lapses and B takes the city.
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "B", "request", 300s, t0 + 301s).outcome,
            LockOutcome::acquired);
  auto version = store_->locations().location_state("kyiv")->data_version;
  std::vector<Movie> late{test_movie(
      "Arrival", "", {test_theater("Oskar", "a", {{utc(2026, 11, 22, 16, 0), "2D", "x", ""}})})};
  EXPECT_THROW(store_->showtimes().merge_movies_fenced("kyiv", "A", late, t0 + 302s), LockLost);
  EXPECT_THROW(store_->coverage().mark_covered_fenced("kyiv", "A", {"2026-11-22"}, t0 + 302s),
               LockLost);
  auto after = store_->locations().location_state("kyiv");
  EXPECT_EQ(after->data_version, version);
  EXPECT_EQ(after->lock_owner, "B");
  auto movies = store_->showtimes().movies_between("kyiv", t0, t0 + 72h);
  ASSERT_EQ(movies.size(), 1u);
  EXPECT_EQ(movies[0].title.en, "Dune");
  EXPECT_EQ(store_->coverage().covered_days("kyiv", "2026-11-20", "2026-11-30"),
            std::vector<std::string>{"2026-11-21"});
  // The new holder writes; once released nobody's fenced writes land.
  EXPECT_EQ(store_->showtimes().merge_movies_fenced("kyiv", "B", late, t0 + 302s).showtimes_added,
            1);
  ASSERT_TRUE(
      store_->scrape_locks().release_city_lock("kyiv", "B", ScrapeStatus::fresh, "", t0 + 303s));
  EXPECT_THROW(store_->showtimes().merge_movies_fenced("kyiv", "B", m, t0 + 304s), LockLost);
  EXPECT_THROW(store_->showtimes().merge_movies_fenced("kyiv", "", m, t0 + 304s), LockLost);
}

TEST_P(StoreConformance, FencedWritesAfterTheWatchdogFreedTheLockAreRefused) {
  auto t0 = utc(2026, 11, 21, 10, 0);
  ASSERT_EQ(store_->scrape_locks().try_lock_city("kyiv", "A", "request", 60s, t0).outcome,
            LockOutcome::acquired);
  ASSERT_EQ(store_->scrape_locks().expire_lapsed_locks(t0 + 61s), std::vector<std::string>{"kyiv"});
  std::vector<Movie> m{test_movie(
      "Dune", "", {test_theater("Oskar", "a", {{utc(2026, 11, 21, 16, 0), "2D", "x", ""}})})};
  EXPECT_THROW(store_->showtimes().merge_movies_fenced("kyiv", "A", m, t0 + 62s), LockLost);
  EXPECT_TRUE(store_->showtimes().movies_between("kyiv", t0, t0 + 24h).empty());
}

// --- CoverageRepository --------------------------------------------------------------------------

TEST_P(StoreConformance, CoverageIsPerCityAndPrunable) {
  auto now = utc(2026, 11, 21, 8, 0);
  store_->coverage().mark_covered("kyiv", {"2026-11-21", "2026-11-22", "2026-11-23"}, now);
  store_->coverage().mark_covered("kyiv", {"2026-11-22"}, now);  // again: no duplicate
  store_->coverage().mark_covered("lviv", {"2026-11-21"}, now);
  EXPECT_EQ(store_->coverage().covered_days("kyiv", "2026-11-21", "2026-12-04"),
            (std::vector<std::string>{"2026-11-21", "2026-11-22", "2026-11-23"}));
  EXPECT_EQ(store_->coverage().covered_days("kyiv", "2026-11-22", "2026-11-22"),
            (std::vector<std::string>{"2026-11-22"}));
  store_->coverage().prune_coverage("kyiv", "2026-11-23");
  EXPECT_EQ(store_->coverage().covered_days("kyiv", "2026-11-01", "2026-12-31"),
            (std::vector<std::string>{"2026-11-23"}));
  EXPECT_EQ(store_->coverage().covered_days("lviv", "2026-11-01", "2026-12-31").size(), 1u);
}

// --- BudgetRepository ----------------------------------------------------------------------------

TEST_P(StoreConformance, BudgetIsCheckedAndChargedAtomically) {
  EXPECT_TRUE(store_->budget().charge_budget("2026-11-21", 1, 35'000, 3, 1'000'000));
  EXPECT_TRUE(store_->budget().charge_budget("2026-11-21", 2, 70'000, 3, 1'000'000));
  EXPECT_FALSE(
      store_->budget().charge_budget("2026-11-21", 1, 35'000, 3, 1'000'000));  // 4 > 3 calls
  EXPECT_FALSE(store_->budget().charge_budget("2026-11-21", 0, 950'000, 10, 1'000'000));  // dollars
  auto used = store_->budget().budget_used("2026-11-21");
  EXPECT_EQ(used.grounded_calls, 3);
  EXPECT_EQ(used.micro_usd, 105'000);
  EXPECT_EQ(store_->budget().budget_used("2026-11-22").grounded_calls,
            0);  // a new day starts at zero
  // Many threads (like many processes) never overspend together.
  std::vector<std::unique_ptr<Database>> stores;
  for (int i = 0; i < 4; ++i)
    stores.push_back(open_again());
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 10; ++k)
        granted += stores[i]->budget().charge_budget("2026-11-23", 1, 0, 25, 1);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(granted.load(), 25);
}

// --- PosterRepository ----------------------------------------------------------------------------

TEST_P(StoreConformance, PosterPathIsStoredAndBumpsVersion) {
  auto now = utc(2026, 11, 21, 8, 0);
  store_->showtimes().merge_movies(
      "kyiv",
      {test_movie("Dune", "", {test_theater("A", "", {{utc(2026, 11, 21, 12, 0), "", "", ""}})})},
      now);
  auto movies =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0));
  auto v = store_->locations().location_state("kyiv")->data_version;
  store_->posters().set_movie_poster(movies[0].id, "/posters/abc.png");
  EXPECT_GT(store_->locations().location_state("kyiv")->data_version, v);
  movies =
      store_->showtimes().movies_between("kyiv", utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0));
  EXPECT_EQ(movies[0].image_path, "/posters/abc.png");
}

// --- VisitRepository -----------------------------------------------------------------------------

TEST_P(StoreConformance, VisitsAccumulateAcrossInstances) {
  EXPECT_EQ(store_->visits().visits(), 0);
  store_->visits().add_visits(5);
  auto other = open_again();
  other->visits().add_visits(7);
  other->visits().add_visits(0);
  EXPECT_EQ(store_->visits().visits(), 12);
}

// --- Learned name aliases ---------------------------------------------------------------------

TEST_P(StoreConformance, AliasesAreLearnedOncePerSpellingAndSeenByAnotherInstance) {
  auto& a = store_->name_aliases();
  auto t0 = utc(2026, 11, 21, 10, 0);
  EXPECT_TRUE(a.learn_alias("kyiv", "cinema", "Кінотеатр «Оскар»", "Oskar Gulliver", t0));
  // The same spelling again (case and punctuation aside): nothing changes.
  EXPECT_FALSE(a.learn_alias("kyiv", "cinema", "кінотеатр оскар", "Oskar Gulliver", t0 + 1s));
  EXPECT_TRUE(a.learn_alias("kyiv", "cinema", "OSCAR", "Oskar Gulliver", t0 + 2s));
  EXPECT_TRUE(a.learn_alias("kyiv", "movie", "Ріка і Зима", "River and Winter", t0 + 3s));
  EXPECT_TRUE(a.learn_alias("lviv", "cinema", "OSCAR", "Oskar Forum", t0 + 4s));
  EXPECT_FALSE(a.learn_alias("kyiv", "cinema", "!!!", "Oskar Gulliver", t0 + 5s));  // no key

  auto cinemas = open_again()->name_aliases().aliases("kyiv", "cinema");
  ASSERT_EQ(cinemas.size(), 2u);
  EXPECT_EQ(cinemas[0].alias, "Кінотеатр «Оскар»");
  EXPECT_EQ(cinemas[0].name, "Oskar Gulliver");
  EXPECT_EQ(cinemas[0].kind, "cinema");
  EXPECT_EQ(cinemas[1].alias, "OSCAR");
  auto movies = a.aliases("kyiv", "movie");
  ASSERT_EQ(movies.size(), 1u);
  EXPECT_EQ(movies[0].name, "River and Winter");
  EXPECT_TRUE(a.aliases("odesa", "cinema").empty());

  // Placed under another name later: the latest placement wins, still one alias.
  EXPECT_TRUE(a.learn_alias("kyiv", "cinema", "Oscar", "Oskar Lavina", t0 + 6s));
  cinemas = a.aliases("kyiv", "cinema");
  ASSERT_EQ(cinemas.size(), 2u);
  EXPECT_EQ(cinemas[1].name, "Oskar Lavina");
  EXPECT_EQ(a.aliases("lviv", "cinema").at(0).name, "Oskar Forum");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(MongoStore, UnreachableServerIsStoreUnavailable) {
  // Port 1 on loopback: nothing listens, so server selection fails fast.
  auto store = make_mongo_store({"mongodb://127.0.0.1:1/x?serverSelectionTimeoutMS=300", "", 1});
  EXPECT_THROW(store->check_health(), StoreUnavailable);
  EXPECT_THROW(store->locations().locations(), StoreUnavailable);
}

TEST(MongoStore, MalformedUriIsRefused) {
  EXPECT_THROW(make_mongo_store({"mongodb://", "", 1}), std::invalid_argument);
}

// The indexes of docs/data-model.md, as the server reports them.
class MongoSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    CINESTREAM_SKIP_WITHOUT_MONGO();
    uri_ = testing::mongo_target().uri(testing::unique_database());
    store_ = make_mongo_store({uri_, "", 2});
    store_->ensure_schema();
    store_->locations().seed_locations(test_locations());
    client_ = mongoc_client_new(uri_.c_str());
    ASSERT_TRUE(client_);
  }
  void TearDown() override {
    if (client_) mongoc_client_destroy(client_);
    if (store_) {
      store_.reset();
      testing::drop_database(uri_);
    }
  }
  // name -> index document (as relaxed JSON) for one collection.
  std::map<std::string, std::string> indexes(const char* collection) {
    std::map<std::string, std::string> out;
    auto* coll = mongoc_client_get_collection(
        client_, mongoc_uri_get_database(mongoc_client_get_uri(client_)), collection);
    auto* cursor = mongoc_collection_find_indexes_with_opts(coll, nullptr);
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc)) {
      bson_iter_t it;
      if (!bson_iter_init_find(&it, doc, "name")) continue;
      char* json = bson_as_relaxed_extended_json(doc, nullptr);
      out[bson_iter_utf8(&it, nullptr)] = json;
      bson_free(json);
    }
    mongoc_cursor_destroy(cursor);
    mongoc_collection_destroy(coll);
    return out;
  }
  // Runs a command on the test database; returns its reply as relaxed JSON ("" on error).
  std::string command(const char* json) {
    bson_error_t error;
    bson_t* cmd = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json), -1, &error);
    bson_t reply;
    bool ok = mongoc_client_command_simple(client_,
                                           mongoc_uri_get_database(mongoc_client_get_uri(client_)),
                                           cmd, nullptr, &reply, &error);
    std::string out;
    if (ok) {
      char* s = bson_as_relaxed_extended_json(&reply, nullptr);
      out = s;
      bson_free(s);
    }
    bson_destroy(&reply);
    bson_destroy(cmd);
    return out;
  }

  static double number_at(const std::string& json, const char* path) {
    bson_error_t error;
    bson_t* doc = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json.data()),
                                     static_cast<ssize_t>(json.size()), &error);
    if (!doc) return -1;
    bson_iter_t root;
    bson_iter_t it;
    double v = -1;
    if (bson_iter_init(&root, doc) && bson_iter_find_descendant(&root, path, &it))
      v = bson_iter_as_double(&it);
    bson_destroy(doc);
    return v;
  }

  std::string uri_;
  std::unique_ptr<Database> store_;
  mongoc_client_t* client_ = nullptr;
};

TEST_F(MongoSchema, IndexesFollowTheDataModel) {
  auto locations = indexes("locations");
  ASSERT_TRUE(locations.count("city_id_unique"));
  EXPECT_NE(locations["city_id_unique"].find("\"unique\" : true"), std::string::npos);
  ASSERT_TRUE(locations.count("geo_2dsphere"));
  EXPECT_NE(locations["geo_2dsphere"].find("2dsphere"), std::string::npos);
  auto movies = indexes("movies");
  for (const char* name : {"city_id", "title_en", "title_local", "city_title_unique",
                           "movie_id_unique", "created_at_ttl"})
    EXPECT_TRUE(movies.count(name)) << name;
  EXPECT_NE(movies["created_at_ttl"].find("\"expireAfterSeconds\" : 7776000"), std::string::npos)
      << movies["created_at_ttl"];
  EXPECT_TRUE(indexes("stats").count("key_unique"));
  // Idempotent: creating them again is accepted.
  EXPECT_NO_THROW(store_->ensure_schema());
}

TEST_F(MongoSchema, DatabaseWrittenBefore010VersionsIsAdopted) {
  // As 0.1.0 left it: no recorded versions, a location without the progress field.
  ASSERT_NE(command(R"({"drop": "schema_migrations"})"), "");
  ASSERT_NE(command(R"({"update": "locations", "updates": [{"q": {"city_id": "lviv"},
                       "u": {"$unset": {"progress": ""}}}]})"),
            "");
  EXPECT_EQ(store_->schema_version(), 0);
  auto report = store_->ensure_schema();
  EXPECT_EQ(report.from, 0);
  EXPECT_EQ(report.applied.size(), static_cast<std::size_t>(kStoreSchemaVersion));
  EXPECT_EQ(store_->schema_version(), kStoreSchemaVersion);
  auto lviv = command(R"({"find": "locations", "filter": {"city_id": "lviv"}})");
  EXPECT_NE(lviv.find(R"("progress" : "")"), std::string::npos) << lviv;
  EXPECT_EQ(store_->locations().locations().size(), 3u);
}

TEST_F(MongoSchema, NewerDatabaseIsRefused) {
  auto insert = fmt::format(
      R"({{"insert": "schema_migrations", "documents": [{{"module": "store", "version": {},
           "name": "from the future"}}]}})",
      kStoreSchemaVersion + 1);
  ASSERT_NE(command(insert.c_str()), "");
  EXPECT_THROW(store_->ensure_schema(), SchemaTooNew);
}

TEST_F(MongoSchema, LocationsAreGeoJsonPoints) {
  auto reply = command(R"({"find": "locations", "filter": {"city_id": "kyiv"}})");
  EXPECT_NE(reply.find(R"("type" : "Point")"), std::string::npos) << reply;
  // GeoJSON order is [longitude, latitude].
  EXPECT_DOUBLE_EQ(number_at(reply, "cursor.firstBatch.0.geo.coordinates.0"), 30.5234);
  EXPECT_DOUBLE_EQ(number_at(reply, "cursor.firstBatch.0.geo.coordinates.1"), 50.4501);
}

TEST_F(MongoSchema, NearestCityByGeoNear) {
  CINESTREAM_SKIP_UNLESS_REAL_MONGO("$geoNear (it rejects geo queries)");
  // Near Lviv: Lviv first, then Kyiv, then London; only valid [lon, lat] points index like this.
  auto reply = command(R"({"aggregate": "locations", "cursor": {}, "pipeline": [
      {"$geoNear": {"near": {"type": "Point", "coordinates": [24.0, 49.8]},
                    "distanceField": "d", "spherical": true}},
      {"$project": {"_id": 0, "city_id": 1}}]})");
  auto lviv = reply.find("lviv");
  auto kyiv = reply.find("kyiv");
  auto london = reply.find("london");
  ASSERT_NE(lviv, std::string::npos) << reply;
  EXPECT_LT(lviv, kyiv);
  EXPECT_LT(kyiv, london);
}

TEST_F(MongoSchema, UniqueCityIdIsEnforced) {
  CINESTREAM_SKIP_UNLESS_REAL_MONGO("unique indexes (it accepts duplicates)");
  auto reply = command(R"({"insert": "locations", "documents": [{"city_id": "kyiv"}]})");
  EXPECT_NE(reply.find("writeErrors"), std::string::npos) << reply;
  EXPECT_NE(reply.find("11000"), std::string::npos) << reply;
}

TEST(SqliteStore, UnwritableDirectoryIsStoreUnavailable) {
  auto store = make_sqlite_store("/proc/no-such-dir/x.sqlite3", 1);
  EXPECT_THROW(store->ensure_schema(), StoreUnavailable);
}

}  // namespace
}  // namespace cinestream
