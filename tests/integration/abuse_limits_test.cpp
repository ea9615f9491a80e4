// Abuse limits on the real server: a client over its request rate gets a JSON 429 with
// Retry-After while others are served, and a client holding too many connections has further
// ones refused until it closes some.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::ServerProcess;
namespace json = boost::json;

TEST(AbuseLimits, RequestRatePerClientBehindTheProxy) {
  testing::TempDir dir;
  // Loopback is configured as the trusted proxy: X-Real-IP names the visitor, as nginx sets it.
  ServerProcess s(dir.str(), {"--api-rate-per-second", "1", "--api-burst", "5", "--trusted-proxies",
                              "127.0.0.1", "--log-level", "warn"});
  HttpClient visitor(s.port());
  for (int i = 0; i < 5; ++i) {
    auto res = visitor.get("/api/locations", {{"X-Real-IP", "203.0.113.7"}});
    ASSERT_EQ(res.status, 200u) << i << res.body;
  }
  auto refused = visitor.get("/api/locations", {{"X-Real-IP", "203.0.113.7"}});
  EXPECT_EQ(refused.status, 429u);
  EXPECT_EQ(refused.header("retry-after"), "1");
  auto err = json::parse(refused.body).as_object()["error"].as_object();
  EXPECT_EQ(err["code"].as_string(), "rate_limited");
  // The connection stays usable, other visitors are served, and health checks are never limited.
  EXPECT_EQ(visitor.get("/api/locations", {{"X-Real-IP", "203.0.113.8"}}).status, 200u);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(visitor.get("/healthz", {{"X-Real-IP", "203.0.113.7"}}).status, 200u);
  // The page itself is not limited: only the API is.
  EXPECT_EQ(visitor.get("/", {{"X-Real-IP", "203.0.113.7"}}).status, 200u);
  EXPECT_EQ(visitor.get("/api/locations", {{"X-Real-IP", "203.0.113.7"}}).status, 429u);
  // A scrape request counts too, and is refused before any paid work.
  auto scrape = visitor.request(
      boost::beast::http::verb::post, "/api/scrape",
      {{"X-Real-IP", "203.0.113.7"}, {"Content-Type", "application/json"}}, R"({"city":"kyiv"})");
  EXPECT_EQ(scrape.status, 429u);
}

TEST(AbuseLimits, HeadersCannotSpoofTheClientWithoutATrustedProxy) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--api-rate-per-second", "1", "--api-burst", "3", "--trusted-proxies",
                              "192.0.2.1", "--log-level", "warn"});
  HttpClient c(s.port());
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(c.get("/api/locations", {{"X-Real-IP", fmt::format("203.0.113.{}", i)}}).status,
              200u);
  // Each request named another address, but loopback is not trusted here: it is one client.
  EXPECT_EQ(c.get("/api/locations", {{"X-Real-IP", "203.0.113.99"}}).status, 429u);
}

TEST(AbuseLimits, ConnectionsPerClient) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--max-connections-per-client", "3", "--trusted-proxies", "192.0.2.1",
                              "--log-level", "warn"});
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpClient>(s.port()));
    ASSERT_EQ(held.back()->get("/healthz").status, 200u);
  }
  HttpClient extra(s.port());
  auto text = extra.read_until_close();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 429 Too Many Requests")) << text;
  EXPECT_NE(text.find(R"("code":"too_many_connections")"), std::string::npos) << text;
  // Closing one frees its slot for a new connection.
  held.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    HttpClient again(s.port());
    try {
      served = again.get("/healthz").status == 200u;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(20ms);
    }
  }
  EXPECT_TRUE(served);
  // The held connections were never disturbed.
  for (auto& c : held)
    EXPECT_EQ(c->get("/healthz").status, 200u);
}

}  // namespace
}  // namespace cinestream
