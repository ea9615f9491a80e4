// The real binary on MongoDB (MONGO_URI): init-db, serving locations and showtimes, one scrape
// for many requests across two processes (the city lock), the merge landing in MongoDB, and a lost
// connection answered with 503. Runs against CINESTREAM_TEST_MONGO_URI or the wire-protocol peer.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>

#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/mongo_peer.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::demo_args;
using testing::eventually;
using testing::HttpClient;
using testing::post_scrape;
using testing::scrape_status;
using testing::ServerProcess;
namespace http = boost::beast::http;
namespace json = boost::json;

// Documents of `collection` matching `filter_json` in the database of `uri`.
std::int64_t count(const std::string& uri, const char* collection, const char* filter_json) {
  mongoc_client_t* client = mongoc_client_new(uri.c_str());
  auto* coll = mongoc_client_get_collection(
      client, mongoc_uri_get_database(mongoc_client_get_uri(client)), collection);
  bson_error_t error;
  bson_t* filter =
      bson_new_from_json(reinterpret_cast<const std::uint8_t*>(filter_json), -1, &error);
  std::int64_t n =
      mongoc_collection_count_documents(coll, filter, nullptr, nullptr, nullptr, &error);
  bson_destroy(filter);
  mongoc_collection_destroy(coll);
  mongoc_client_destroy(client);
  return n;
}

TEST(MongoServer, ServesTheWholeApiFromMongo) {
  CINESTREAM_SKIP_WITHOUT_MONGO();
  testing::TempDir dir;
  std::string uri = testing::mongo_target().uri(testing::unique_database("cs_it"));
  std::map<std::string, std::string> env{{"MONGO_URI", uri}};
  struct Drop {
    std::string uri;
    ~Drop() { testing::drop_database(uri); }
  } drop{uri};

  auto env_file = dir.str() + "/.env-none";
  std::ofstream{env_file}.flush();
  std::filesystem::permissions(
      env_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ASSERT_EQ(ServerProcess::run({"init-db", "--data-dir", dir.str(), "--env-file", env_file},
                               dir.str() + "/init.log", env),
            0);
  EXPECT_GT(count(uri, "locations", "{}"), 20);
  // Again: idempotent, nothing duplicated.
  auto seeded = count(uri, "locations", "{}");
  ASSERT_EQ(ServerProcess::run({"init-db", "--data-dir", dir.str(), "--env-file", env_file},
                               dir.str() + "/init2.log", env),
            0);
  EXPECT_EQ(count(uri, "locations", "{}"), seeded);

  auto args = demo_args(R"({"latency_ms": 100})");
  ServerProcess a(dir.str(), args, env), b(dir.str(), args, env);
  EXPECT_EQ(testing::http_get(a.port(), "/healthz").status, 200u);

  // Locations, nearest first from a position.
  auto near = testing::http_get(a.port(), "/api/locations?lat=49.84&lon=24.03&limit=2&lang=ua");
  ASSERT_EQ(near.status, 200u) << near.body;
  EXPECT_NE(near.body.find("Львів"), std::string::npos) << near.body;

  // Many requests in two processes: one scrape takes the lock in MongoDB.
  std::vector<std::future<testing::HttpResult>> replies;
  for (int i = 0; i < 8; ++i) {
    auto port = i % 2 ? a.port() : b.port();
    replies.push_back(std::async(std::launch::async, [port] { return post_scrape(port, "Lviv"); }));
  }
  int started = 0;
  for (auto& r : replies) {
    auto res = r.get();
    ASSERT_EQ(res.status, 202u) << res.body;
    started += json::parse(res.body).as_object()["started"].as_bool();
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(count(uri, "locations", R"({"city_id": "lviv", "status": "processing"})"), 1);
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(b.port(), "lviv")["status"].as_string() == "fresh"; }, 60s))
      << a.log() << b.log();
  EXPECT_EQ(scrape_status(a.port(), "lviv")["days_covered"].as_int64(), 14);
  // Released: no owner left in the store.
  EXPECT_EQ(count(uri, "locations", R"({"city_id": "lviv", "lock_owner": ""})"), 1);

  // The merge landed in MongoDB (movie-centric documents) and both processes serve it.
  EXPECT_GT(count(uri, "movies", R"({"city_id": "lviv"})"), 0);
  EXPECT_GT(count(uri, "coverage", R"({"city_id": "lviv"})"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cinestream.sqlite3"));
  for (auto port : {a.port(), b.port()}) {
    auto movies = testing::http_get(port, "/api/movies?city=lviv");
    ASSERT_EQ(movies.status, 200u) << movies.body;
    auto doc = json::parse(movies.body).as_object();
    ASSERT_FALSE(doc["movies"].as_array().empty()) << movies.body;
  }
  auto shows = testing::http_get(a.port(), "/api/showtimes?city=lviv");
  EXPECT_EQ(shows.status, 200u) << shows.body;

  // A second scrape of a fresh city costs nothing; the visitor counter persists in `stats`.
  EXPECT_EQ(post_scrape(a.port(), "lviv").status, 200u);
  auto stats = testing::http_get(b.port(), "/api/stats");
  EXPECT_EQ(stats.status, 200u);
}

TEST(MongoServer, ForkedWorkersEachOpenTheirOwnPool) {
  CINESTREAM_SKIP_WITHOUT_MONGO();
  testing::TempDir dir;
  std::string uri = testing::mongo_target().uri(testing::unique_database("cs_workers"));
  struct Drop {
    std::string uri;
    ~Drop() { testing::drop_database(uri); }
  } drop{uri};
  // The supervisor creates the schema before forking; each worker then creates its client pool.
  ServerProcess s(dir.str(), {"--workers", "2", "--threads", "1", "--log-level", "warn"},
                  {{"MONGO_URI", uri}});
  std::map<int, int> healthy_by_pid;
  static const std::regex re("cinestream_worker_info\\{pid=\"([0-9]+)\"");
  auto until = std::chrono::steady_clock::now() + 10s;
  while (healthy_by_pid.size() < 2 && std::chrono::steady_clock::now() < until) {
    HttpClient c(s.port());  // a new connection may land on either worker
    std::smatch m;
    auto metrics = c.get("/metrics").body;
    if (!std::regex_search(metrics, m, re)) continue;
    if (c.get("/healthz").status == 200u && c.get("/api/locations?limit=1").status == 200u)
      ++healthy_by_pid[std::stoi(m[1])];
  }
  EXPECT_EQ(healthy_by_pid.size(), 2u) << s.log();
  EXPECT_FALSE(healthy_by_pid.contains(s.pid()));
}

TEST(MongoServer, LostConnectionIsServiceUnavailable) {
  // A peer of its own, stopped under the running server.
  testing::MongoPeer peer;
  if (!peer.running()) {
    if (testing::mongo_required()) GTEST_FAIL() << "no MongoDB test peer: " << peer.reason();
    GTEST_SKIP() << "no MongoDB test peer: " << peer.reason();
  }
  testing::TempDir dir;
  std::map<std::string, std::string> env{{"MONGO_URI", peer.uri("cs_lost")}};
  ServerProcess server(dir.str(), demo_args(R"({"latency_ms": 100})"), env);
  ASSERT_EQ(testing::http_get(server.port(), "/healthz").status, 200u);
  peer.stop();
  auto health = testing::http_get(server.port(), "/healthz");
  EXPECT_EQ(health.status, 503u);
  auto movies = testing::http_get(server.port(), "/api/movies?city=kyiv");
  EXPECT_EQ(movies.status, 503u) << movies.body;
  auto body = json::parse(movies.body).as_object();
  EXPECT_EQ(body["error"].as_object()["code"].as_string(), "unavailable");
  EXPECT_FALSE(movies.header("retry-after").empty());
  // Still alive and serving what needs no store.
  EXPECT_EQ(testing::http_get(server.port(), "/metrics").status, 200u);
}

}  // namespace
}  // namespace cinestream
