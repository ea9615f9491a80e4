// Two server processes share one data directory (and one port, through SO_REUSEPORT): both serve,
// both see what the other's store users wrote, and the visitor counter adds up across them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/eventually.hpp"
#include "support/sample_data.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::ServerProcess;

std::int64_t count_of(std::uint16_t port, const std::string& target) {
  auto r = testing::http_get(port, target);
  return boost::json::parse(r.body).as_object()["count"].as_int64();
}

TEST(TwoProcesses, ShareOneDataDirectory) {
  testing::TempDir dir;
  std::vector<std::string> args{"--refresh-interval-ms", "50", "--visit-flush-ms", "50"};
  // Both start at once against a fresh directory: schema creation and seeding must not race.
  ServerProcess a(dir.str(), args);
  ServerProcess b(dir.str(), args);
  EXPECT_GE(count_of(a.port(), "/api/locations"), 74);
  EXPECT_EQ(count_of(a.port(), "/api/locations"), count_of(b.port(), "/api/locations"));

  auto store = make_sqlite_store(dir.str() + "/cinestream.sqlite3", 1);
  auto zone = find_zone("Europe/Kyiv");
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto day = local_day(zone, local_date(zone, now));
  store->showtimes().merge_movies(
      "lviv",
      {testing::test_movie(
          "Dune", "Дюна",
          {testing::test_theater("Kinopalats", "", {{day.begin + 19h, "2D", "", ""}})})},
      now);
  EXPECT_TRUE(eventually([&] { return count_of(a.port(), "/api/showtimes?city=lviv") == 1; }));
  EXPECT_TRUE(eventually([&] { return count_of(b.port(), "/api/showtimes?city=lviv") == 1; }));

  testing::http_get(a.port(), "/");
  testing::http_get(b.port(), "/");
  testing::http_get(b.port(), "/");
  EXPECT_TRUE(eventually([&] { return store->visits().visits() == 3; }));

  a.signal(SIGTERM);
  EXPECT_EQ(a.wait_exit(5s), 0);
  EXPECT_EQ(count_of(b.port(), "/api/showtimes?city=lviv"), 1);  // b is unaffected
}

}  // namespace
}  // namespace cinestream
