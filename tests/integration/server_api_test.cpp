// The real server binary on an ephemeral port: the API, static files, bad input, shutdown.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <thread>

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
using testing::http_get;
using testing::HttpClient;
using testing::ServerProcess;
namespace http = boost::beast::http;

boost::json::object json_of(const testing::HttpResult& r) {
  return boost::json::parse(r.body).as_object();
}

std::string error_code_of(const testing::HttpResult& r) {
  auto doc = json_of(r);
  return std::string(doc.at("error").as_object().at("code").as_string());
}

SysSeconds now_s() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

class ServerApi : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.str(), std::vector<std::string>{"--refresh-interval-ms", "50", "--visit-flush-ms",
                                             "50", "--web-dir", CINESTREAM_SOURCE_DIR "/web"});
  }
  std::uint16_t port() const { return server_->port(); }
  // Writes through the store as another process would.
  void merge_kyiv_today(const std::string& title) {
    auto store = make_sqlite_store(dir_.str() + "/cinestream.sqlite3", 1);
    auto zone = find_zone("Europe/Kyiv");
    auto today = local_date(zone, now_s());
    auto day = local_day(zone, today);
    store->showtimes().merge_movies(
        "kyiv",
        {testing::test_movie(
            title, title + " (ua)",
            {testing::test_theater("Oskar", "Hnata Yury 9",
                                   {{day.begin + 20h, "IMAX", "original", "3"},
                                    {day.begin + 11h, "2D", "Ukrainian dubbing", "1"}})})},
        now_s());
  }

  testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ServerApi, LocationsListAndNearest) {
  auto all = http_get(port(), "/api/locations");
  ASSERT_EQ(all.status, 200u);
  auto doc = json_of(all);
  EXPECT_GE(doc["count"].as_int64(), 74);
  EXPECT_EQ(doc["locations"].as_array()[0].as_object()["id"].as_string(), "kyiv");

  auto gz = http_get(port(), "/api/locations", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_LT(gz.body.size(), all.body.size() / 3);
  EXPECT_EQ(http_get(port(), "/api/locations", {{"If-None-Match", all.header("etag")}}).status,
            304u);
  auto near = json_of(http_get(port(), "/api/locations?lat=46.48&lon=30.72&limit=3&lang=ru"));
  auto first = near["locations"].as_array()[0].as_object();
  EXPECT_EQ(first["id"].as_string(), "odesa");
  EXPECT_EQ(first["name"].as_string(), "Одесса");
  EXPECT_LT(first["distance_km"].to_number<double>(), 5.0);
  EXPECT_EQ(near["count"].as_int64(), 3);
}

TEST_F(ServerApi, ShowtimesFromTheStoreAppearAndAreCached) {
  auto empty = http_get(port(), "/api/showtimes?city=kyiv");
  ASSERT_EQ(empty.status, 200u);
  EXPECT_EQ(json_of(empty)["count"].as_int64(), 0);

  merge_kyiv_today("Dune");
  // Another process changed the city: the server sees it within its refresh interval.
  ASSERT_TRUE(eventually([&] {
    return json_of(http_get(port(), "/api/showtimes?city=Київ&lang=ua"))["count"].as_int64() == 2;
  }));
  auto res = http_get(port(), "/api/showtimes?city=%D0%9A%D0%B8%D1%97%D0%B2&lang=ua");
  auto doc = json_of(res);
  auto rows = doc["showtimes"].as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].as_object()["movie"].as_string(), "Dune (ua)");
  EXPECT_EQ(rows[0].as_object()["format"].as_string(), "2D");
  auto start = std::string(rows[0].as_object()["start_time"].as_string());
  EXPECT_EQ(start.substr(11, 5), "11:00");
  EXPECT_TRUE(start.ends_with("+02:00") || start.ends_with("+03:00")) << start;
  EXPECT_FALSE(res.header("etag").empty());

  // Revalidation: the same ETag gives 304 with no body.
  HttpClient c(port());
  auto again = c.get("/api/showtimes?city=kyiv&lang=ua", {{"If-None-Match", res.header("etag")}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
  // gzip when asked for, identical content.
  auto gz = c.get("/api/showtimes?city=kyiv&lang=ua", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.status, 200u);
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");

  // A second change invalidates the cached page.
  merge_kyiv_today("Wicked");
  EXPECT_TRUE(eventually([&] {
    return json_of(http_get(port(), "/api/showtimes?city=kyiv&lang=ua"))["count"].as_int64() == 4;
  }));
}

TEST_F(ServerApi, ShowtimesForAnotherDateAndMovies) {
  merge_kyiv_today("Dune");
  auto zone = find_zone("Europe/Kyiv");
  auto tomorrow = date::year_month_day{date::sys_days{local_date(zone, now_s())} + date::days{1}};
  ASSERT_TRUE(eventually(
      [&] { return json_of(http_get(port(), "/api/movies?city=kyiv"))["count"].as_int64() == 1; }));
  auto other_day = http_get(port(), "/api/showtimes?city=kyiv&date=" + format_iso_date(tomorrow));
  EXPECT_EQ(json_of(other_day)["count"].as_int64(), 0);
  auto movies = json_of(http_get(port(), "/api/movies?city=kyiv&lang=en"));
  auto movie = movies["movies"].as_array()[0].as_object();
  EXPECT_EQ(movie["title"].as_string(), "Dune");
  EXPECT_EQ(movie["theaters"].as_array()[0].as_object()["showtimes"].as_array().size(), 2u);
}

TEST_F(ServerApi, BadInputGetsClearErrorsAndServerKeepsServing) {
  struct Case {
    std::string target;
    unsigned status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"/api/showtimes?city=atlantis", 404, "city_not_found"},
      {"/api/showtimes", 400, "missing_city"},
      {"/api/showtimes?city=kyiv&date=2026-02-30", 400, "invalid_date"},
      {"/api/showtimes?city=kyiv&date=tomorrow", 400, "invalid_date"},
      {"/api/showtimes?city=kyiv&lang=de", 400, "invalid_lang"},
      {"/api/movies?city=", 400, "missing_city"},
      {"/api/locations?lat=91&lon=0", 400, "invalid_lat"},
      {"/api/locations?lat=abc&lon=0", 400, "invalid_lat"},
      {"/api/locations?lat=10&lon=181", 400, "invalid_lon"},
      {"/api/locations?lat=nan&lon=0", 400, "invalid_lat"},
      {"/api/locations?lat=10", 400, "invalid_position"},
      {"/api/locations?limit=0", 400, "invalid_limit"},
      {"/api/nothing", 404, "not_found"},
      {"/no/such/page.html", 404, "not_found"},
      {"/a?b=%zz", 400, "bad_target"},
      {"/%2e%2e/%2e%2e/etc/passwd", 400, "bad_target"},
  };
  for (const auto& c : cases) {
    auto r = http_get(port(), c.target);
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(error_code_of(r), c.code) << c.target;
    EXPECT_TRUE(r.header("content-type").starts_with("application/json")) << c.target;
  }
  HttpClient c(port());
  auto post = c.request(http::verb::post, "/api/locations", {}, "{}");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("allow"), "GET, HEAD");
  EXPECT_EQ(error_code_of(post), "method_not_allowed");
  auto del = c.request(http::verb::delete_, "/nope");
  EXPECT_EQ(del.status, 404u);
  EXPECT_EQ(http_get(port(), "/healthz").status, 200u);
}

TEST_F(ServerApi, OversizedHeadersAndBodiesAreRefused) {
  {
    HttpClient c(port());
    auto r = c.request(http::verb::get, "/api/locations", {{"X-Big", std::string(40000, 'a')}});
    EXPECT_EQ(r.status, 431u);
    EXPECT_EQ(error_code_of(r), "headers_too_large");
  }
  {
    HttpClient c(port());
    auto r = c.request(http::verb::post, "/api/locations", {}, std::string(200000, 'x'));
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(error_code_of(r), "body_too_large");
  }
  EXPECT_EQ(http_get(port(), "/api/locations?limit=1").status, 200u);
}

TEST_F(ServerApi, MalformedHttpIsAnsweredAndClosed) {
  for (std::string garbage : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                              std::string("GET /api/stats HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                          "abc\r\n\r\n"),
                              std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}) {
    HttpClient c(port());
    auto reply = c.raw(garbage);
    // Either a 400 followed by close, or a plain close: never a hang or a crash.
    EXPECT_TRUE(reply.empty() || reply.starts_with("HTTP/1.1 400")) << reply;
  }
  EXPECT_EQ(http_get(port(), "/api/stats").status, 200u);
}

TEST_F(ServerApi, KeepAliveRequestIdAndHead) {
  HttpClient c(port());
  auto a = c.get("/healthz", {{"X-Request-Id", "trace-123"}});
  EXPECT_EQ(a.header("x-request-id"), "trace-123");
  auto b = c.get("/healthz", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_EQ(b.header("x-request-id").size(), 16u);  // replaced by a generated one
  auto h = c.request(http::verb::head, "/api/locations");
  EXPECT_EQ(h.status, 200u);
  EXPECT_TRUE(h.body.empty());
  EXPECT_GT(std::stoul(h.header("content-length")), 1000u);
  EXPECT_EQ(c.get("/api/stats").status, 200u);  // still the same connection
  // The access log is buffered and written within its flush interval (a second).
  EXPECT_TRUE(eventually([&] {
    return server_->log().find("access request_id=trace-123 ") != std::string::npos;
  })) << server_->log();
}

TEST_F(ServerApi, StaticFilesWithValidatorsAndCounter) {
  auto before = json_of(http_get(port(), "/api/stats"))["visitors"].as_int64();
  auto page = http_get(port(), "/", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(page.header("content-encoding"), "gzip");
  EXPECT_TRUE(page.header("content-type").starts_with("text/html"));
  EXPECT_FALSE(page.header("etag").empty());
  EXPECT_FALSE(page.header("last-modified").empty());
  EXPECT_NE(page.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.header("content-security-policy").find("unsafe-inline"), std::string::npos);
  auto revalidated = http_get(port(), "/", {{"If-None-Match", page.header("etag")}});
  EXPECT_EQ(revalidated.status, 304u);
  auto js = http_get(port(), "/app.js");
  EXPECT_EQ(js.status, 200u);
  EXPECT_TRUE(js.header("content-type").starts_with("text/javascript"));
  EXPECT_EQ(js.header("cache-control"), "public, max-age=3600");
  // The two page views reach the store in a batch, and /api/stats shows them.
  EXPECT_TRUE(eventually([&] {
    return json_of(http_get(port(), "/api/stats"))["visitors"].as_int64() == before + 2;
  }));
}

TEST_F(ServerApi, LanguageFollowsAcceptLanguageThenTheSignedCookie) {
  auto first =
      json_of(http_get(port(), "/api/session", {{"Accept-Language", "uk-UA,uk;q=0.9,en;q=0.8"}}));
  EXPECT_EQ(first["lang"].as_string(), "ua");
  EXPECT_EQ(json_of(http_get(port(), "/api/session", {{"Accept-Language", "de, ru;q=0.5"}}))["lang"]
                .as_string(),
            "ru");
  EXPECT_EQ(json_of(http_get(port(), "/api/session"))["lang"].as_string(), "en");
  HttpClient c(port());
  auto set = c.request(http::verb::post, "/api/session", {{"Content-Type", "application/json"}},
                       R"({"lang":"ru"})");
  ASSERT_EQ(set.status, 200u);
  auto cookie = set.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  auto value = cookie.substr(0, cookie.find(';'));  // cs_lang=ru.<signature>
  auto back = json_of(c.get("/api/session", {{"Cookie", value}, {"Accept-Language", "en"}}));
  EXPECT_EQ(back["lang"].as_string(), "ru");
  // A forged cookie is ignored: Accept-Language decides again.
  auto forged = "cs_lang=ua" + value.substr(value.find('.'));
  EXPECT_EQ(json_of(c.get("/api/session", {{"Cookie", forged}, {"Accept-Language", "en"}}))["lang"]
                .as_string(),
            "en");
  const std::map<std::string, std::string> json_type{{"Content-Type", "application/json"}};
  EXPECT_EQ(c.request(http::verb::post, "/api/session", json_type, R"({"lang":"fr"})").status,
            400u);
  EXPECT_EQ(c.request(http::verb::post, "/api/session", json_type, "nonsense").status, 400u);
}

TEST_F(ServerApi, ShowtimeAsICalendar) {
  merge_kyiv_today("Dune; Part, Two");
  ASSERT_TRUE(eventually([&] {
    return json_of(http_get(port(), "/api/showtimes?city=kyiv"))["count"].as_int64() == 2;
  }));
  auto row =
      json_of(http_get(port(), "/api/showtimes?city=kyiv"))["showtimes"].as_array()[0].as_object();
  auto url = fmt::format(
      "/api/showtime.ics?city=kyiv&movie_id={}&theater={}&start={}", row["movie_id"].as_int64(),
      "Oskar", boost::urls::encode(row["start_time"].as_string(), boost::urls::unreserved_chars));
  auto ics = http_get(port(), url);
  ASSERT_EQ(ics.status, 200u) << ics.body;
  EXPECT_TRUE(ics.header("content-type").starts_with("text/calendar"));
  EXPECT_NE(ics.header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_TRUE(ics.body.starts_with("BEGIN:VCALENDAR\r\n"));
  EXPECT_NE(ics.body.find("SUMMARY:Dune\\; Part\\, Two (2D)\r\n"), std::string::npos) << ics.body;
  EXPECT_NE(ics.body.find("LOCATION:Oskar\\, Hnata Yury 9\r\n"), std::string::npos);
  EXPECT_NE(ics.body.find("DTSTART:"), std::string::npos);
  EXPECT_NE(ics.body.find("END:VCALENDAR\r\n"), std::string::npos);
  // Only showtimes that exist: another time or cinema is a 404, garbage a 400.
  auto wrong = url;
  wrong.replace(wrong.find("theater=Oskar"), 13, "theater=Nowhere");
  EXPECT_EQ(http_get(port(), wrong).status, 404u);
  EXPECT_EQ(http_get(port(), "/api/showtime.ics?city=kyiv&movie_id=x&theater=a&start=b").status,
            400u);
  EXPECT_EQ(http_get(port(), "/api/showtime.ics?city=atlantis").status, 404u);
}

TEST_F(ServerApi, MetricsByRouteAndStatus) {
  http_get(port(), "/api/showtimes?city=atlantis");
  http_get(port(), "/api/locations");
  auto m = http_get(port(), "/metrics");
  EXPECT_EQ(m.status, 200u);
  EXPECT_NE(m.body.find(R"(cinestream_http_requests_total{route="/api/showtimes",status="404"} 1)"),
            std::string::npos)
      << m.body;
  EXPECT_NE(
      m.body.find(
          R"(cinestream_http_request_duration_seconds_bucket{route="/api/locations",status="200",le="+Inf"} 1)"),
      std::string::npos);
}

TEST_F(ServerApi, SigtermFinishesAndExitsZero) {
  HttpClient idle(port());
  EXPECT_EQ(idle.get("/healthz").status, 200u);  // now an idle keep-alive connection
  server_->signal(SIGTERM);
  EXPECT_TRUE(idle.closed_by_server());  // idle connections are closed, not left to time out
  EXPECT_EQ(server_->wait_exit(5s), 0);
  EXPECT_NE(server_->log().find("stopped"), std::string::npos);
}

TEST(ServerStartup, InvalidConfigurationExitsTwoNamingTheSetting) {
  testing::TempDir dir;
  auto log = dir.str() + "/out.log";
  EXPECT_EQ(ServerProcess::run({"serve", "--port", "99999", "--data-dir", dir.str()}, log), 2);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("--port"), std::string::npos) << text;
  EXPECT_EQ(
      ServerProcess::run({"serve", "--data-dir", dir.str()}, log, {{"GEMINI_MODEL", "gpt-5"}}), 2);
  EXPECT_EQ(ServerProcess::run({"init-db", "--data-dir", dir.str()}, log), 0);
  EXPECT_EQ(ServerProcess::run({"init-db", "--data-dir", dir.str()}, log), 0);  // idempotent
  EXPECT_EQ(ServerProcess::run({"--version"}, log), 0);
  EXPECT_EQ(ServerProcess::run({"bogus-command"}, log), 2);
  EXPECT_EQ(ServerProcess::run({"serve", "--no-such-flag"}, log), 2);
}

// Deadlines: a client that stops halfway through its headers and one that stays idle after an
// answer are both closed (and the server goes on serving); a client whose requests keep coming
// keeps its connection for longer than either deadline in total.
TEST(ServerDeadlines, SlowAndIdleClientsAreClosed) {
  testing::TempDir dir;
  ServerProcess server(dir.str(), {"--header-timeout-ms", "300", "--idle-timeout-ms", "500"});
  HttpClient slow(server.port());
  boost::asio::write(slow.socket(),
                     boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  EXPECT_TRUE(slow.closed_by_server());  // within the client's 5 s read timeout

  HttpClient idle(server.port());
  EXPECT_EQ(idle.get("/healthz").status, 200u);
  EXPECT_TRUE(idle.closed_by_server());

  HttpClient busy(server.port());
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(busy.get("/healthz").status, 200u) << "request " << i;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(http_get(server.port(), "/api/locations?limit=1").status, 200u);
}

}  // namespace
}  // namespace cinestream
