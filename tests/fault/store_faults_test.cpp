// Store faults under a running server: another writer holding SQLite's write lock mid-scrape, and
// a full disk (a file size limit on the server process). What must hold: reads keep answering
// from what is stored, the failed writes surface as clear errors (503 or a failed/stale scrape
// with its reason), nothing stored before is lost, and once the fault clears, scraping again
// reaches the same data as a fault-free run without duplicates.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/resource.h>
#include <algorithm>

#include "fault/fault_support.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::fault {
namespace {

constexpr int kSeed = 6;  // the stand-in's world for this suite

TEST(StoreFaults, AnotherWriterHoldsTheDatabaseMidScrape) {
  auto truth = reference(kSeed, {"kyiv", "lviv"});
  testing::TempDir dir;
  testing::ServerProcess s(dir.str(), demo(kSeed, R"({"latency_ms": 400})"));
  ASSERT_EQ(scrape_until_fresh(s.port(), "kyiv", 1), "fresh");
  auto kyiv_before = city_data(s.port(), "kyiv");

  ReadLoad readers(s.port(), {"/api/showtimes?city=kyiv", "/api/movies?city=kyiv", "/healthz"}, 4);
  ASSERT_EQ(start_scrape(s.port(), "lviv"), 202u);
  // Another process takes the write lock while the scrape is storing its answers.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.str() + "/cinestream.sqlite3").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  // A write that cannot get the lock within the store's busy timeout fails clearly: the scrape
  // request of another city gets 503 with Retry-After rather than hanging.
  auto blocked = testing::post_scrape(s.port(), "odesa");
  EXPECT_EQ(blocked.status, 503u) << blocked.body;
  EXPECT_NE(blocked.body.find("\"code\":\"unavailable\""), std::string::npos) << blocked.body;
  EXPECT_EQ(blocked.header("retry-after"), "1");
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);

  auto status = scrape_until_fresh(s.port(), "lviv", 6);
  readers.stop();
  auto stats = readers.stats();
  std::cout << "[ fault    ] reads while the database was locked: " << stats.summary() << "\n";
  EXPECT_EQ(stats.server_errors(), 0) << stats.summary();
  EXPECT_GT(stats.answered(), 20);
  EXPECT_EQ(status, "fresh");
  auto lviv = city_data(s.port(), "lviv");
  EXPECT_EQ(lviv.rows, lviv.showtimes.size()) << "duplicated showtimes";
  EXPECT_EQ(inner_days(lviv.showtimes), inner_days(truth["lviv"].showtimes));
  auto kyiv_after = city_data(s.port(), "kyiv");
  EXPECT_EQ(inner_days(kyiv_after.showtimes), inner_days(kyiv_before.showtimes));
}

TEST(StoreFaults, DiskFullFailsWritesClearlyAndKeepsWhatIsStored) {
  auto truth = reference(kSeed, {"lviv"});
  testing::TempDir dir;
  CityData kyiv_before;
  {
    testing::ServerProcess s(dir.str(), demo(kSeed));
    ASSERT_EQ(scrape_until_fresh(s.port(), "kyiv", 1), "fresh");
    kyiv_before = city_data(s.port(), "kyiv");
    s.signal(SIGTERM);
    ASSERT_EQ(s.wait_exit(15s), 0);
  }
  ASSERT_GT(kyiv_before.showtimes.size(), 50u);
  {
    // No file of the server may grow past 64 KiB: the database (already larger) is readable,
    // but no new page can be written, like a disk with no space left.
    auto args = demo(kSeed);
    // --log-level warn: a request refused because a write failed is logged at that level (the start
    // of the scrape itself fails when the background tasks' writes filled what little room there
    // was).
    *std::find(args.begin(), args.end(), "error") = "warn";
    args.insert(args.end(), {"--scrape-lease-ms", "3000", "--scrape-watchdog-ms", "500"});
    testing::ServerProcess s(dir.str(), args, {}, [] {
      rlimit limit{64 * 1024, 64 * 1024};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    });
    EXPECT_EQ(testing::http_get(s.port(), "/healthz").status, 200u);
    auto unit = start_scrape(s.port(), "lviv");
    EXPECT_TRUE(unit == 202u || unit == 503u) << unit;
    std::string status;
    eventually(
        [&] {
          status = scrape_state(s.port(), "lviv");
          return status != "processing";
        },
        10s);
    // The scrape cannot finish: its lock cannot even be released (that write fails too), so the
    // lock stays until its lease lapses on a store that accepts writes again.
    EXPECT_NE(status, "fresh");
    auto st = testing::http_get(s.port(), "/api/scrape/status/lviv");
    std::cout << "[ fault    ] scrape on a full disk: " << st.status << " " << st.body << "\n";
    // Reads keep answering from what is stored.
    ReadLoad readers(s.port(), {"/api/showtimes?city=kyiv", "/api/movies?city=kyiv"}, 2, 400);
    readers.stop();
    auto stats = readers.stats();
    EXPECT_EQ(stats.statuses[200], stats.answered()) << stats.summary();
    EXPECT_EQ(inner_days(city_data(s.port(), "kyiv").showtimes), inner_days(kyiv_before.showtimes));
    EXPECT_EQ(::kill(s.pid(), 0), 0) << "the server died on a full disk:\n" << s.log();
    auto log = s.log();
    EXPECT_NE(log.find("disk I/O error"), std::string::npos) << log;
  }
  // Space is back: nothing was lost, and the city that failed is scraped in full.
  testing::ServerProcess s(dir.str(), demo(kSeed));
  EXPECT_EQ(inner_days(city_data(s.port(), "kyiv").showtimes), inner_days(kyiv_before.showtimes));
  EXPECT_EQ(scrape_until_fresh(s.port(), "lviv", 3), "fresh");
  auto lviv = city_data(s.port(), "lviv");
  EXPECT_EQ(lviv.rows, lviv.showtimes.size());
  EXPECT_EQ(inner_days(lviv.showtimes), inner_days(truth["lviv"].showtimes));
}

}  // namespace
}  // namespace cinestream::fault
