// Schema migrations on the embedded store: a data file written by 0.1.0 (before versions were
// recorded) is adopted without losing a row, a store newer than the binary is refused, and
// processes opening one file together apply each migration once. The same behaviours on MongoDB
// are in store_conformance_test.cpp (MongoSchema).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "cinestream/store/sqlite_store.hpp"
#include "support/sample_data.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using testing::utc;

// Runs SQL on the file the way another program would, outside the store.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::int64_t count_rows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  std::int64_t n = -1;
  auto sql = fmt::format("SELECT count(*) FROM {}", table);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

std::string store_0_1_0_sql() {
  std::ifstream in(fmt::format("{}/tests/unit/data/store_0.1.0.sql", CINESTREAM_SOURCE_DIR));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SqliteMigrations : public ::testing::Test {
 protected:
  std::string path() const { return dir_.str() + "/cinestream.sqlite3"; }
  testing::TempDir dir_;
};

TEST_F(SqliteMigrations, StoreWrittenBy010IsAdoptedWithoutLosingARow) {
  auto sql = store_0_1_0_sql();
  ASSERT_FALSE(sql.empty());
  run_sql(path(), sql);
  const char* tables[] = {"locations", "movies",   "theaters", "showtimes",
                          "stats",     "coverage", "budget"};
  std::map<std::string, std::int64_t> before;
  for (const char* t : tables)
    before[t] = count_rows(path(), t);
  ASSERT_EQ(before["showtimes"], 3);

  auto store = make_sqlite_store(path(), 2);
  EXPECT_EQ(store->schema_version(), 0);
  auto report = store->ensure_schema();
  EXPECT_EQ(report.from, 0);
  EXPECT_EQ(report.to, kStoreSchemaVersion);
  ASSERT_EQ(report.applied.size(), static_cast<std::size_t>(kStoreSchemaVersion));
  EXPECT_EQ(report.applied.front().version, 1);
  EXPECT_EQ(store->schema_version(), kStoreSchemaVersion);
  for (const char* t : tables)
    EXPECT_EQ(count_rows(path(), t), before[t]) << t;

  // The data reads as before through the store.
  auto kyiv = store->locations().location_state("kyiv");
  ASSERT_TRUE(kyiv);
  EXPECT_EQ(kyiv->status, ScrapeStatus::fresh);
  EXPECT_EQ(kyiv->data_version, 7);
  auto movies =
      store->showtimes().movies_between("kyiv", utc(2026, 11, 25, 0, 0), utc(2026, 11, 26, 0, 0));
  ASSERT_EQ(movies.size(), 2u);
  std::size_t showtimes = 0;
  for (const auto& m : movies)
    for (const auto& t : m.theaters)
      showtimes += t.showtimes.size();
  EXPECT_EQ(showtimes, 3u);
  EXPECT_EQ(store->visits().visits(), 1234);
  EXPECT_EQ(store->budget().budget_used("2026-11-21").grounded_calls, 14);
  EXPECT_EQ(store->coverage().covered_days("kyiv", "2026-11-21", "2026-11-22").size(), 2u);

  // Opening it again applies nothing.
  auto again = make_sqlite_store(path(), 1)->ensure_schema();
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.from, kStoreSchemaVersion);
}

TEST_F(SqliteMigrations, StoreFromBeforeTheProgressColumnGainsIt) {
  auto sql = store_0_1_0_sql();
  auto alter = sql.find("ALTER TABLE locations ADD COLUMN progress");
  ASSERT_NE(alter, std::string::npos);
  run_sql(path(), sql.substr(0, alter));
  auto store = make_sqlite_store(path(), 1);
  store->ensure_schema();
  // Reading and writing the column raise no SQL error once it exists.
  EXPECT_NO_THROW(store->scrape_locks().set_progress("kyiv", "nobody", "{}"));
  EXPECT_EQ(store->locations().location_state("lviv")->progress, "");
  EXPECT_EQ(count_rows(path(), "showtimes"), 3);
}

TEST_F(SqliteMigrations, NewerStoreIsRefused) {
  make_sqlite_store(path(), 1)->ensure_schema();
  run_sql(path(), fmt::format("INSERT INTO schema_migrations VALUES ('store', {}, 'future', 0)",
                              kStoreSchemaVersion + 1));
  auto store = make_sqlite_store(path(), 1);
  try {
    store->ensure_schema();
    FAIL() << "a newer store was opened";
  } catch (const SchemaTooNew& e) {
    EXPECT_EQ(e.found(), kStoreSchemaVersion + 1);
    EXPECT_EQ(e.known(), kStoreSchemaVersion);
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
}

TEST_F(SqliteMigrations, ProcessesOpeningTogetherApplyEachMigrationOnce) {
  constexpr int kOpeners = 6;
  std::vector<SchemaReport> reports(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    // Each opener has its own connections to the file, as a separate process would.
    threads.emplace_back([&, i] { reports[i] = make_sqlite_store(path(), 1)->ensure_schema(); });
  }
  for (auto& t : threads)
    t.join();
  std::map<int, int> applied;
  for (const auto& r : reports)
    for (const auto& m : r.applied)
      ++applied[m.version];
  ASSERT_EQ(applied.size(), static_cast<std::size_t>(kStoreSchemaVersion));
  for (const auto& [version, times] : applied)
    EXPECT_EQ(times, 1) << "migration " << version;
  EXPECT_EQ(count_rows(path(), "schema_migrations"), kStoreSchemaVersion);
}

}  // namespace
}  // namespace cinestream
