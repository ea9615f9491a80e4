// Scraping through the real server binary in demo mode (its in-process Gemini stand-in, reached
// over loopback HTTP): one scrape for many requests across processes, progress visible to all,
// and recovery after the lock holder is killed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fmt/format.h>

#include <ctime>
#include <future>
#include <regex>

#include "cinestream/store/sqlite_store.hpp"
#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::demo_args;
using testing::eventually;
using testing::HttpClient;
using testing::metric;
using testing::post_scrape;
using testing::scrape_status;
using testing::ServerProcess;
namespace http = boost::beast::http;
namespace json = boost::json;

TEST(Scrape, ManyRequestsAcrossTwoProcessesStartOneScrape) {
  testing::TempDir dir;
  auto args = demo_args(R"({"latency_ms": 150})");
  ServerProcess a(dir.str(), args), b(dir.str(), args);
  std::vector<std::future<testing::HttpResult>> replies;
  for (int i = 0; i < 16; ++i) {
    auto port = i % 2 ? a.port() : b.port();
    replies.push_back(
        std::async(std::launch::async, [port] { return post_scrape(port, "Львів"); }));
  }
  int started = 0, accepted = 0;
  for (auto& r : replies) {
    auto res = r.get();
    ASSERT_EQ(res.status, 202u) << res.body;
    auto body = json::parse(res.body).as_object();
    EXPECT_EQ(body["status_url"].as_string(), "/api/scrape/status/lviv");
    started += body["started"].as_bool();
    ++accepted;
  }
  EXPECT_EQ(accepted, 16);
  EXPECT_EQ(started, 1);
  // Progress is written by the holder and readable from the other process.
  ASSERT_TRUE(eventually(
      [&] {
        auto s = scrape_status(a.port(), "lviv");
        return s["status"].as_string() == "processing" && s["progress"].is_object();
      },
      10s));
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(b.port(), "lviv")["status"].as_string() == "fresh"; }, 60s));
  auto s = scrape_status(a.port(), "lviv");
  EXPECT_EQ(s["days_covered"].as_int64(), 14);
  EXPECT_EQ(s["progress"].as_object()["step"].as_string(), "done");
  // Only one process paid for it.
  EXPECT_EQ(metric(a.port(), "cinestream_gemini_grounded_calls_total") +
                metric(b.port(), "cinestream_gemini_grounded_calls_total"),
            s["progress"].as_object()["grounded_calls"].as_int64());
  // Fresh now: a new request costs nothing and says so.
  auto again = post_scrape(a.port(), "lviv");
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(json::parse(again.body).as_object()["status"].as_string(), "fresh");
  auto shows =
      json::parse(testing::http_get(b.port(), "/api/showtimes?city=lviv").body).as_object();
  EXPECT_TRUE(shows["demo"].as_bool());
}

TEST(Scrape, KilledHolderIsReplacedAndItsWorkKept) {
  testing::TempDir dir;
  // Slow calls and one in flight at a time, so the holder dies mid-scrape; a short lease.
  auto slow = demo_args(R"({"latency_ms": 250})");
  slow.insert(slow.end(), {"--gemini-max-in-flight", "1", "--scrape-lease-ms", "1500",
                           "--scrape-watchdog-ms", "200"});
  auto holder = std::make_unique<ServerProcess>(dir.str(), slow);
  ASSERT_EQ(post_scrape(holder->port(), "kyiv").status, 202u);
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(holder->port(), "kyiv")["days_covered"].as_int64() >= 3; }, 30s));
  holder->signal(SIGKILL);
  holder->wait_exit(5s);
  auto fast = demo_args();
  fast.insert(fast.end(), {"--scrape-lease-ms", "1500", "--scrape-watchdog-ms", "200"});
  ServerProcess other(dir.str(), fast);
  auto covered_before = scrape_status(other.port(), "kyiv")["days_covered"].as_int64();
  EXPECT_GE(covered_before, 3);
  EXPECT_LT(covered_before, 14);
  // The dead holder's lease lapses; then the survivor takes the city and scrapes only the rest.
  bool started = eventually(
      [&] {
        auto r = post_scrape(other.port(), "kyiv");
        return r.status == 202u && json::parse(r.body).as_object()["started"].as_bool();
      },
      10s);
  ASSERT_TRUE(started);
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(other.port(), "kyiv")["status"].as_string() == "fresh"; }, 60s))
      << json::serialize(scrape_status(other.port(), "kyiv")) << "\n"
      << other.log();
  EXPECT_EQ(scrape_status(other.port(), "kyiv")["days_covered"].as_int64(), 14);
  // Known cinemas and movies are reused and covered days skipped: one call per missing day.
  EXPECT_EQ(metric(other.port(), "cinestream_gemini_grounded_calls_total"), 14 - covered_before);
}

TEST(Scrape, ProgressStreamsAsServerSentEvents) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), demo_args(R"({"latency_ms": 100})"));
  ASSERT_EQ(post_scrape(s.port(), "odesa").status, 202u);
  HttpClient c(s.port());
  auto text = c.raw("GET /api/scrape/events/odesa HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK")) << text.substr(0, 200);
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(text.find("event: status\ndata: {\"city\":\"odesa\",\"status\":\"processing\""),
            std::string::npos);
  auto end = text.find("event: end\ndata: ");
  ASSERT_NE(end, std::string::npos) << text;
  auto last = json::parse(text.substr(end + 17, text.find('\n', end + 17) - end - 17)).as_object();
  EXPECT_EQ(last["status"].as_string(), "fresh");
  EXPECT_EQ(last["progress"].as_object()["units_done"].as_int64(), 14);
  // Posters follow the data: downloaded into the data directory and served from there.
  std::string poster;
  ASSERT_TRUE(eventually(
      [&] {
        auto movies =
            json::parse(testing::http_get(s.port(), "/api/movies?city=odesa").body).as_object();
        poster = std::string(movies["movies"].as_array().at(0).as_object()["poster"].as_string());
        return poster.starts_with("/posters/");
      },
      10s))
      << poster;
  auto image = testing::http_get(s.port(), poster);
  EXPECT_EQ(image.status, 200u);
  EXPECT_EQ(image.header("content-type"), "image/png");
  EXPECT_TRUE(image.body.starts_with("\x89PNG"));
  EXPECT_EQ(testing::http_get(s.port(), "/posters/../../etc/passwd").status, 400u);
  EXPECT_EQ(testing::http_get(s.port(), "/posters/" + std::string(64, 'a') + ".png").status, 404u);
  // Polling keeps working, and an unknown city is a JSON 404, not a stream.
  EXPECT_EQ(scrape_status(s.port(), "odesa")["status"].as_string(), "fresh");
  auto missing = testing::http_get(s.port(), "/api/scrape/events/atlantis");
  EXPECT_EQ(missing.status, 404u);
}

TEST(Scrape, BadRequestsAreRefusedWithoutPaidCalls) {
  testing::TempDir dir;
  auto args = demo_args();
  args.insert(args.end(), {"--budget-grounded-calls", "0"});
  ServerProcess s(dir.str(), args);
  HttpClient c(s.port());
  const std::map<std::string, std::string> json_type{{"Content-Type", "application/json"}};
  EXPECT_EQ(c.request(http::verb::post, "/api/scrape", json_type, "{not json").status, 400u);
  EXPECT_EQ(c.request(http::verb::post, "/api/scrape", json_type, "{}").status, 400u);
  auto unknown = c.request(http::verb::post, "/api/scrape", json_type, R"({"city":"Atlantis"})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find("city_not_found"), std::string::npos);
  auto broke = c.request(http::verb::post, "/api/scrape", json_type, R"({"city":"Odesa"})");
  EXPECT_EQ(broke.status, 429u);
  EXPECT_NE(broke.body.find("budget_exhausted"), std::string::npos);
  // Until the next UTC day, when the budget is new.
  auto retry = std::stol(broke.header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 86'400);
  EXPECT_EQ(c.get("/api/scrape/status/atlantis").status, 404u);
  EXPECT_EQ(scrape_status(s.port(), "odesa")["status"].as_string(), "stale");
  EXPECT_EQ(metric(s.port(), "cinestream_gemini_calls_total"), 0);
  // Reads keep working.
  EXPECT_EQ(c.get("/api/showtimes?city=odesa").status, 200u);
}

TEST(Scrape, RateLimitPerClient) {
  testing::TempDir dir;
  auto args = demo_args();
  args[args.size() - 3] = "2";  // --scrape-rate-per-minute 2
  ServerProcess s(dir.str(), args);
  EXPECT_EQ(post_scrape(s.port(), "kharkiv").status, 202u);
  EXPECT_NE(post_scrape(s.port(), "kharkiv").status, 429u);
  auto limited = post_scrape(s.port(), "kharkiv");
  EXPECT_EQ(limited.status, 429u);
  EXPECT_NE(limited.body.find("rate_limited"), std::string::npos);
  EXPECT_FALSE(limited.header("retry-after").empty());
}

BudgetUse budget_today(const std::string& data_dir) {
  auto store = make_sqlite_store(data_dir + "/cinestream.sqlite3", 1);
  auto t = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  return store->budget().budget_used(
      fmt::format("{:04}-{:02}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday));
}

double cost_metric(std::uint16_t port) {
  auto body = testing::http_get(port, "/metrics").body;
  std::smatch m;
  std::regex re("\ncinestream_gemini_estimated_cost_usd_total ([0-9.]+)");
  return std::regex_search(body, m, re) ? std::stod(m[1]) : -1;
}

void scrape_until_settled(std::uint16_t port, const std::string& city) {
  ASSERT_EQ(post_scrape(port, city).status, 202u);
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(port, city)["status"].as_string() != "processing"; }, 60s));
}

// Google bills every answered (200) attempt, whatever the scraper then makes of it, and nothing
// for 429/5xx: the daily budget is charged per billed attempt with the cost its usage reports.
TEST(Scrape, BudgetIsChargedPerBilledAttempt) {
  {
    testing::TempDir dir;
    // Every answer is broken JSON: answered and billed, then rejected and asked again.
    ServerProcess s(dir.str(), demo_args(R"({"malformed_rate": 1})"));
    scrape_until_settled(s.port(), "kharkiv");
    auto calls = metric(s.port(), "cinestream_gemini_grounded_calls_total");
    auto cost = cost_metric(s.port());
    auto used = budget_today(dir.str());
    EXPECT_GT(calls, 1);
    EXPECT_EQ(used.grounded_calls, calls);
    EXPECT_NEAR(static_cast<double>(used.micro_usd), cost * 1e6, static_cast<double>(calls) + 1);
  }
  {
    testing::TempDir dir;
    // Every attempt is refused with 429: retried, never billed.
    ServerProcess s(dir.str(), demo_args(R"({"rate_429": 1, "retry_delay_ms": 5})"));
    scrape_until_settled(s.port(), "kharkiv");
    EXPECT_GT(metric(s.port(), "cinestream_gemini_retries_total"), 0);
    EXPECT_EQ(metric(s.port(), "cinestream_gemini_grounded_calls_total"), 0);
    auto used = budget_today(dir.str());
    EXPECT_EQ(used.grounded_calls, 0);
    EXPECT_EQ(used.micro_usd, 0);
  }
}

// Cinema names as real answers write them are resolved, learned as aliases, and the status
// document and /metrics count names and dropped rows by reason.
TEST(Scrape, NameVariantsAreResolvedAndReportedByReason) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), demo_args(R"({"name_variant_rate": 0.3})"));
  scrape_until_settled(s.port(), "kharkiv");
  auto status = scrape_status(s.port(), "kharkiv");
  EXPECT_NE(status["status"].as_string(), "failed");
  const auto& progress = status["progress"].as_object();
  const auto& names = progress.at("names").as_object();
  EXPECT_GT(names.at("resolved").as_int64(), 0);
  EXPECT_GT(names.at("learned").as_int64(), 0);
  EXPECT_TRUE(names.contains("asked"));
  EXPECT_TRUE(progress.at("dropped_by_reason").as_object().contains("ambiguous_cinema"));
  EXPECT_GT(metric(s.port(), R"(cinestream_scrape_names_total{how="resolved"})"), 0);
  EXPECT_GT(metric(s.port(), R"(cinestream_scrape_names_total{how="learned"})"), 0);
  EXPECT_GE(metric(s.port(), R"(cinestream_scrape_rows_dropped_total{reason="unknown_cinema"})"),
            0);
}

// The scrape limit per client (behind loopback configured as the trusted proxy, X-Real-IP names the
// client): IPv6 clients are one client per /64, and many new addresses never reset a spent bucket,
// even past the table's bound (10,000 clients): new clients are refused then, the limit stays on.
TEST(Scrape, RateLimitHoldsForIpv6PrefixesAndManyAddresses) {
  testing::TempDir dir;
  auto args = demo_args();
  args[args.size() - 3] = "1";  // --scrape-rate-per-minute 1: one scrape request, then a minute
  args.insert(args.end(), {"--trusted-proxies", "127.0.0.1"});
  ServerProcess s(dir.str(), args);
  HttpClient c(s.port());
  auto scrape_as = [&](const std::string& ip) {
    return c
        .request(http::verb::post, "/api/scrape",
                 {{"X-Real-IP", ip}, {"Content-Type", "application/json"}}, R"({"city":"kharkiv"})")
        .status;
  };
  EXPECT_NE(scrape_as("203.0.113.7"), 429u);
  EXPECT_EQ(scrape_as("203.0.113.7"), 429u);
  EXPECT_EQ(scrape_as("::ffff:203.0.113.7"), 429u);  // IPv4-mapped: the same client
  EXPECT_NE(scrape_as("2001:db8:1:2::1"), 429u);
  EXPECT_EQ(scrape_as("2001:db8:1:2:ffff:ffff:ffff:ffff"), 429u);  // the same /64
  EXPECT_NE(scrape_as("2001:db8:1:3::1"), 429u);                   // another /64
  for (int i = 0; i < 10'050; ++i) {
    auto ip = fmt::format("10.{}.{}.{}", i >> 16, (i >> 8) & 0xFF, i & 0xFF);
    auto status = scrape_as(ip);
    ASSERT_TRUE(status == 200u || status == 202u || status == 429u) << status;
  }
  EXPECT_EQ(scrape_as("203.0.113.7"), 429u);
  EXPECT_EQ(scrape_as("2001:db8:1:2::5"), 429u);
}

TEST(Scrape, ManyEventStreamsShareOneStatusPoll) {
  testing::TempDir dir;
  // A scrape of a few seconds: slow calls, two at a time.
  auto args = demo_args(R"({"latency_ms": 300})");
  args.insert(args.end(), {"--gemini-max-in-flight", "2"});
  ServerProcess s(dir.str(), args);
  ASSERT_EQ(post_scrape(s.port(), "dnipro").status, 202u);
  auto polls_before = metric(s.port(), "cinestream_scrape_status_polls_total");
  ASSERT_GE(polls_before, 0);
  constexpr int kClients = 8;
  auto started = std::chrono::steady_clock::now();
  std::vector<std::future<std::string>> streams;
  for (int i = 0; i < kClients; ++i) {
    streams.push_back(std::async(std::launch::async, [port = s.port()] {
      HttpClient c(port);
      return c.raw("GET /api/scrape/events/dnipro HTTP/1.1\r\nHost: x\r\n\r\n");
    }));
  }
  for (auto& f : streams) {
    auto text = f.get();
    EXPECT_NE(text.find("event: end\ndata: "), std::string::npos) << text.substr(0, 300);
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  auto polls = metric(s.port(), "cinestream_scrape_status_polls_total") - polls_before;
  // One feed polls once per 300 ms however many streams read it (each stream polled on its own
  // before: about kClients times as many).
  auto one_feed = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 300 + 3;
  EXPECT_GT(elapsed, 1s);  // the scrape ran while the streams were open
  EXPECT_LE(polls, one_feed) << "polls " << polls << " in "
                             << std::chrono::duration<double>(elapsed).count() << " s";
  // The feed stops with its last subscriber.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(metric(s.port(), "cinestream_scrape_status_polls_total") - polls_before, polls);
}

TEST(Scrape, SigtermStopsTheScrapeAndFreesItsLock) {
  testing::TempDir dir;
  // Slow calls, one at a time: the scrape is mid-way when the signal comes.
  auto args = demo_args(R"({"latency_ms": 400})");
  args.insert(args.end(), {"--gemini-max-in-flight", "1", "--shutdown-timeout-ms", "3000"});
  auto server = std::make_unique<ServerProcess>(dir.str(), args);
  ASSERT_EQ(post_scrape(server->port(), "kyiv").status, 202u);
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(server->port(), "kyiv")["days_covered"].as_int64() >= 1; }, 30s));
  auto signalled = std::chrono::steady_clock::now();
  server->signal(SIGTERM);
  EXPECT_EQ(server->wait_exit(5s), 0) << server->log();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 4s);  // the 3 s drain and a margin
  // Read back from the store by a new process (the lease, 5 min, has not lapsed: only the release
  // can have freed the lock).
  ServerProcess after(dir.str(), demo_args());
  auto st = scrape_status(after.port(), "kyiv");
  EXPECT_EQ(st["status"].as_string(), "stale") << json::serialize(st);
  EXPECT_FALSE(st["processing"].as_bool());
  EXPECT_GE(st["days_covered"].as_int64(), 1);  // what it covered is kept
  EXPECT_LT(st["days_covered"].as_int64(), 14);
  // And the city can be scraped again at once.
  auto again = post_scrape(after.port(), "kyiv");
  EXPECT_EQ(again.status, 202u);
  EXPECT_TRUE(json::parse(again.body).as_object()["started"].as_bool());
}

// Demo mode with the stand-in's cinema websites: the scrape reads them first, reports rows by
// source and the calls it saved, and asks the model only for the rest.
TEST(Scrape, DemoSitesAreReadBeforeTheModelIsAsked) {
  testing::TempDir dir;
  auto args = demo_args();
  args.insert(args.end(), {"--demo-sites", "true", "--site-delay-ms", "20"});
  ServerProcess server(dir.str(), args);
  ASSERT_EQ(post_scrape(server.port(), "Львів").status, 202u);
  ASSERT_TRUE(eventually(
      [&] { return scrape_status(server.port(), "lviv")["status"].as_string() == "fresh"; }, 120s));
  auto s = scrape_status(server.port(), "lviv");
  EXPECT_EQ(s["days_covered"].as_int64(), 14);
  auto progress = s["progress"].as_object();
  auto sites = progress["sites"].as_object();
  EXPECT_GT(sites["read"].as_int64(), 0);
  EXPECT_GT(sites["structured"].as_int64(), 0);
  EXPECT_GT(sites["calls_saved"].as_int64(), 0);
  auto rows = progress["rows_by_source"].as_object();
  EXPECT_GT(rows["site"].as_int64(), 0);
  EXPECT_GT(rows["model"].as_int64(), 0);
  // Cinemas, movies and 14 days would be 16 calls from the model alone.
  EXPECT_LE(progress["grounded_calls"].as_int64(), 10);
  EXPECT_EQ(metric(server.port(), "cinestream_scrape_rows_total{source=\"site\"}"),
            rows["site"].as_int64());
  EXPECT_EQ(metric(server.port(), "cinestream_scrape_calls_saved_total"),
            sites["calls_saved"].as_int64());
  EXPECT_GT(metric(server.port(), "cinestream_site_requests_total{result=\"answered\"}"), 0);
}

}  // namespace
}  // namespace cinestream
