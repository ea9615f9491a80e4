// The probes of a black-box review (issue #16), each sent to the real server: a client on
// loopback naming its own identity, oversized chunk extensions and trailers, transfer codings that
// are not a final chunked, a spent budget, cross-site posts, framing without Host or with
// Expect: 100-continue, invalid UTF-8 echoed in errors, dates outside the horizon, HEAD on the
// event stream, and event streams whose client left.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::ServerProcess;
namespace json = boost::json;
namespace http = boost::beast::http;

std::string error_code_of(const std::string& body) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("error")) return {};
  return std::string(doc.at("error").at("code").as_string());
}

// 1. Loopback is not a trusted proxy unless configured: a local process that names a new
// X-Real-IP per request is still one client, for the request rate and the connection bound.
TEST(Hardening, LoopbackCannotChooseItsIdentityByDefault) {
  testing::TempDir dir;
  ServerProcess s(dir.str(),
                  {"--api-rate-per-second", "1", "--api-burst", "5", "--log-level", "warn"});
  int ok = 0, limited = 0;
  {
    HttpClient c(s.port());
    for (int i = 0; i < 12; ++i) {
      auto res = c.get("/api/locations", {{"X-Real-IP", fmt::format("203.0.113.{}", i)},
                                          {"X-Forwarded-For", fmt::format("198.51.100.{}", i)}});
      (res.status == 200u ? ok : limited) += 1;
    }
  }
  EXPECT_LE(ok, 5);
  EXPECT_GE(limited, 7);
  // The connection bound applies to a loopback client too.
  ServerProcess bounded(dir.str(), {"--max-connections-per-client", "3", "--log-level", "warn"});
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpClient>(bounded.port()));
    ASSERT_EQ(held.back()->get("/healthz", {{"X-Real-IP", fmt::format("192.0.2.{}", i)}}).status,
              200u);
  }
  HttpClient extra(bounded.port());
  auto text = extra.read_until_close();
  EXPECT_NE(text.find(R"("code":"too_many_connections")"), std::string::npos) << text;
}

}  // namespace
}  // namespace cinestream
