// The probes of a black-box review (issue #16), each sent to the real server: a client on
// loopback naming its own identity, oversized chunk extensions and trailers, transfer codings that
// are not a final chunked, a spent budget, cross-site posts, framing without Host or with
// Expect: 100-continue, invalid UTF-8 echoed in errors, dates outside the horizon, HEAD on the
// event stream, and event streams whose client left.
#include <gtest/gtest.h>

#include <fmt/format.h>
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

// Status lines in what the server sent: a smuggled request would add one.
int responses_in(const std::string& text) {
  int n = 0;
  for (auto at = text.find("HTTP/1.1 "); at != std::string::npos;
       at = text.find("HTTP/1.1 ", at + 1))
    ++n;
  return n;
}

std::string chunked_post(const std::string& target, const std::string& chunks) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: "
         "chunked\r\n\r\n" +
         chunks;
}

// 3. Chunk extensions and trailers are framing: bounded by the header limit, never by memory,
// and a trailer field too long for the parser is answered, not an exception.
TEST(Hardening, ChunkExtensionsAndTrailersAreBounded) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--log-level", "warn"});
  const std::string body = R"({"lang":"en"})";
  auto chunk = fmt::format("{:x}", body.size());
  {  // the well-formed request is served
    HttpClient c(s.port());
    auto text =
        c.raw(chunked_post("/api/session", chunk + ";a=b\r\n" + body + "\r\n0\r\nX-T: 1\r\n\r\n") +
              "GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(text.starts_with("HTTP/1.1 200")) << text.substr(0, 200);
    EXPECT_EQ(responses_in(text), 2) << text;
  }
  {  // one long extension
    HttpClient c(s.port());
    auto text =
        c.raw_refusable(chunked_post("/api/session", chunk + ";a=" + std::string(64 * 1024, 'x') +
                                                         "\r\n" + body + "\r\n0\r\n\r\n"));
    EXPECT_TRUE(text.starts_with("HTTP/1.1 431")) << text.substr(0, 200);
  }
  {  // many chunks of one byte, each with an extension: small lines, too much in total
    HttpClient c(s.port());
    std::string chunks;
    for (char ch : body)
      chunks += "1;e=" + std::string(2000, 'y') + "\r\n" + std::string(1, ch) + "\r\n";
    auto text = c.raw_refusable(chunked_post("/api/session", chunks + "0\r\n\r\n"));
    EXPECT_TRUE(text.starts_with("HTTP/1.1 431")) << text.substr(0, 200);
  }
  {  // many trailers
    HttpClient c(s.port());
    std::string trailers;
    for (int i = 0; i < 12; ++i)
      trailers += fmt::format("X-T{}: {}\r\n", i, std::string(8000, 'z'));
    auto text = c.raw_refusable(
        chunked_post("/api/session", chunk + "\r\n" + body + "\r\n0\r\n" + trailers + "\r\n"));
    EXPECT_TRUE(text.starts_with("HTTP/1.1 431")) << text.substr(0, 200);
  }
  {  // one trailer field over 64 KiB, under a header limit that would let it through
    ServerProcess big(dir.str(), {"--header-limit", "262144", "--log-level", "warn"});
    HttpClient c(big.port());
    auto text = c.raw_refusable(chunked_post(
        "/api/session",
        chunk + "\r\n" + body + "\r\n0\r\nX-T: " + std::string(70'000, 'z') + "\r\n\r\n"));
    EXPECT_TRUE(text.starts_with("HTTP/1.1 4")) << text.substr(0, 200);
    EXPECT_EQ(big.log().find("unhandled"), std::string::npos) << big.log();
    EXPECT_EQ(big.log().find("ended by an exception"), std::string::npos) << big.log();
    EXPECT_EQ(testing::http_get(big.port(), "/healthz").status, 200u);
  }
}

// 4. A Transfer-Encoding whose final coding is not chunked is refused and the connection closed:
// its body is never read as the next request.
TEST(Hardening, TransferEncodingOtherThanChunkedIsRefused) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--log-level", "warn"});
  const std::string smuggled = "GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::string te :
       {"xchunked", "gzip", "chunked, gzip", "gzip, chunked", "identity", "chunked, chunked"}) {
    HttpClient c(s.port());
    auto text = c.raw(
        "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nTransfer-Encoding: " +
        te + "\r\n\r\n" + smuggled);
    EXPECT_TRUE(text.starts_with("HTTP/1.1 400") || text.starts_with("HTTP/1.1 501"))
        << te << ": " << text.substr(0, 200);
    EXPECT_EQ(responses_in(text), 1) << te << ": " << text;
  }
  {  // with Content-Length too
    HttpClient c(s.port());
    auto text = c.raw(
        "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nContent-Length: "
        "3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
        smuggled);
    EXPECT_TRUE(text.starts_with("HTTP/1.1 400")) << text.substr(0, 200);
    EXPECT_EQ(responses_in(text), 1) << text;
  }
}

// 10. HTTP/1.1 needs exactly one Host; Expect: 100-continue is answered before the body is sent;
// the language cookie is Secure when a trusted proxy says the visitor came over TLS.
TEST(Hardening, HostExpectAndSecureCookie) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--trusted-proxies", "127.0.0.1", "--log-level", "warn"});
  {
    HttpClient c(s.port());
    auto text = c.raw("GET /api/stats HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(text.starts_with("HTTP/1.1 400")) << text;
  }
  {
    HttpClient c(s.port());
    auto text = c.raw("GET /api/stats HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    EXPECT_TRUE(text.starts_with("HTTP/1.1 400")) << text;
  }
  {  // HTTP/1.0 has no Host requirement
    HttpClient c(s.port());
    auto text = c.raw("GET /api/stats HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(text.starts_with("HTTP/1.1 200")) << text;
  }
  {
    HttpClient c(s.port());
    const std::string body = R"({"lang":"ru"})";
    boost::asio::write(c.socket(), boost::asio::buffer(fmt::format(
                                       "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                       "application/json\r\nExpect: 100-continue\r\n"
                                       "Content-Length: {}\r\n\r\n",
                                       body.size())));
    std::string got;
    char buf[256];
    while (got.find("\r\n\r\n") == std::string::npos) {
      boost::system::error_code ec;
      auto n = c.socket().read_some(boost::asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;
    }
    EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
    auto rest = c.raw(body + "GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(rest.starts_with("HTTP/1.1 200")) << rest;
    EXPECT_EQ(responses_in(rest), 2) << rest;
  }
  HttpClient c(s.port());
  auto post = [&](std::map<std::string, std::string> headers) {
    headers["Content-Type"] = "application/json";
    return c.request(http::verb::post, "/api/session", headers, R"({"lang":"ua"})");
  };
  auto over_tls = post({{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(over_tls.status, 200u) << over_tls.body;
  EXPECT_NE(over_tls.header("set-cookie").find("; Secure"), std::string::npos)
      << over_tls.header("set-cookie");
  auto plain = post({});
  EXPECT_EQ(plain.header("set-cookie").find("Secure"), std::string::npos);
}

// 5. A budget that cannot pay for one more call refuses the scrape before the lock (429 with
// Retry-After until the next UTC day); a scrape that runs out mid-way keeps its days and ends
// partial, not failed.
TEST(Hardening, SpentBudgetRefusesBeforeTheLockAndKeepsWhatWasFound) {
  testing::TempDir dir;
  auto args = testing::demo_args();
  // Each call costs $1 (the grounded fee only), one at a time: $5.50 pays for five calls.
  args.insert(args.end(),
              {"--gemini-max-in-flight", "1", "--gemini-price-input", "0", "--gemini-price-output",
               "0", "--gemini-price-grounded", "1", "--budget-usd", "5.5"});
  ServerProcess s(dir.str(), args);
  ASSERT_EQ(testing::post_scrape(s.port(), "kyiv").status, 202u);
  ASSERT_TRUE(testing::eventually(
      [&] {
        return testing::scrape_status(s.port(), "kyiv")["status"].as_string() != "processing";
      },
      60s));
  auto st = testing::scrape_status(s.port(), "kyiv");
  EXPECT_EQ(st["status"].as_string(), "partial") << json::serialize(st);
  EXPECT_GE(st["days_covered"].as_int64(), 1);
  EXPECT_LT(st["days_covered"].as_int64(), 14);
  EXPECT_NE(std::string(st["error"].as_string()).find("budget"), std::string::npos);
  for (const char* city : {"kyiv", "lviv"}) {
    auto again = testing::post_scrape(s.port(), city);
    EXPECT_EQ(again.status, 429u) << city << again.body;
    EXPECT_EQ(error_code_of(again.body), "budget_exhausted");
    auto retry = again.header("retry-after");
    ASSERT_FALSE(retry.empty());
    EXPECT_GE(std::stol(retry), 1);
    EXPECT_LE(std::stol(retry), 86'400);
  }
  // Refused before the lock: the other city was never marked failed or processing.
  EXPECT_EQ(testing::scrape_status(s.port(), "lviv")["status"].as_string(), "stale");
  EXPECT_EQ(testing::scrape_status(s.port(), "kyiv")["status"].as_string(), "partial");
}

// 9. Unsafe API requests need a JSON body type and, when the browser names one, this site as
// their origin: a page elsewhere cannot spend the scrape quota through its visitors.
TEST(Hardening, CrossSitePostsAreRefused) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), testing::demo_args());
  HttpClient c(s.port());
  auto post = [&](const std::string& target, std::map<std::string, std::string> headers,
                  const std::string& body) {
    return c.request(http::verb::post, target, std::move(headers), body);
  };
  // What a form or a no-cors fetch of another page sends.
  auto plain = post("/api/scrape", {{"Content-Type", "text/plain"}}, R"({"city":"kyiv"})");
  EXPECT_EQ(plain.status, 415u) << plain.body;
  EXPECT_EQ(error_code_of(plain.body), "unsupported_media_type");
  EXPECT_EQ(post("/api/session", {{"Content-Type", "text/plain;charset=UTF-8"}}, R"({"lang":"ru"})")
                .status,
            415u);
  EXPECT_EQ(post("/api/scrape?city=kyiv", {}, "").status, 415u);
  EXPECT_EQ(
      post("/api/scrape", {{"Content-Type", "application/x-www-form-urlencoded"}}, "city=kyiv")
          .status,
      415u);
  // JSON from another site's page.
  auto json_type = std::pair<const std::string, std::string>{"Content-Type", "application/json"};
  auto evil =
      post("/api/session", {json_type, {"Origin", "https://evil.example"}}, R"({"lang":"ru"})");
  EXPECT_EQ(evil.status, 403u);
  EXPECT_EQ(error_code_of(evil.body), "csrf_rejected");
  EXPECT_EQ(post("/api/session", {json_type, {"Referer", "https://evil.example/page"}},
                 R"({"lang":"ru"})")
                .status,
            403u);
  EXPECT_EQ(testing::scrape_status(s.port(), "kyiv")["status"].as_string(), "stale");
  // This site's page, and tools that send no Origin, are served.
  EXPECT_EQ(
      post("/api/session", {json_type, {"Origin", "http://127.0.0.1"}}, R"({"lang":"ru"})").status,
      200u);
  EXPECT_EQ(post("/api/session", {json_type, {"Referer", "http://127.0.0.1/?city=kyiv"}},
                 R"({"lang":"ru"})")
                .status,
            200u);
  EXPECT_EQ(post("/api/scrape", {json_type}, R"({"city":"kyiv"})").status, 202u);
}

// 7. A name echoed in an error is valid UTF-8, without invisible or reordering characters, cut on
// a character boundary, however the request encoded it.
TEST(Hardening, ErrorsEchoOnlyCleanUtf8) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--log-level", "warn"});
  std::string cyrillic;  // "a" then 50 two-byte letters: 80 bytes end inside a letter
  for (int i = 0; i < 50; ++i)
    cyrillic += "%D0%94";
  const std::string hostile = "%FF%FE%E2%80%AEx%E2%80%8By%E2%81%A6a" + cyrillic;
  for (const std::string& target :
       {"/api/showtimes?city=" + hostile, "/api/scrape/status/" + hostile,
        "/api/scrape/events/" + hostile, "/api/movies?city=" + hostile}) {
    auto r = testing::http_get(s.port(), target);
    EXPECT_TRUE(r.status == 404u || r.status == 400u) << target << " " << r.status;
    boost::system::error_code ec;
    auto doc = json::parse(r.body, ec);  // Boost.JSON refuses invalid UTF-8
    ASSERT_FALSE(ec) << target << ": " << ec.message();
    std::string message(doc.at("error").at("message").as_string());
    for (const char* bad : {"\xE2\x80\xAE", "\xE2\x80\x8B", "\xE2\x81\xA6"})
      EXPECT_EQ(message.find(bad), std::string::npos) << target;
  }
  HttpClient c(s.port());
  auto scrape = c.request(http::verb::post, "/api/scrape", {{"Content-Type", "application/json"}},
                          R"({"city":"\u202Eevil\u200B)" + std::string(100, 'x') + R"("})");
  EXPECT_EQ(scrape.status, 404u);
  auto message = std::string(json::parse(scrape.body).at("error").at("message").as_string());
  EXPECT_EQ(message.find("\xE2\x80\xAE"), std::string::npos) << message;
  EXPECT_NE(message.find("evil"), std::string::npos) << message;
}

// 8. Showtimes are asked only for days that can hold data: each other day would be a cache entry
// and a store query of its own.
TEST(Hardening, DatesOutsideTheHorizonAreRefused) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--log-level", "warn"});
  for (const char* day : {"0000-01-01", "1999-12-31", "9999-12-31", "2100-06-01"}) {
    auto r = testing::http_get(s.port(), std::string("/api/showtimes?city=kyiv&date=") + day);
    EXPECT_EQ(r.status, 400u) << day;
    EXPECT_EQ(error_code_of(r.body), "date_out_of_range") << day << r.body;
  }
  EXPECT_EQ(testing::http_get(s.port(), "/api/showtimes?city=kyiv").status, 200u);
}

// 6. HEAD on the event stream answers the header only, without reading the store.
TEST(Hardening, HeadOnTheEventStreamSendsNoEvents) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), {"--log-level", "warn"});
  auto polls = testing::metric(s.port(), "cinestream_scrape_status_polls_total");
  ASSERT_GE(polls, 0);
  HttpClient c(s.port());
  auto text = c.raw("HEAD /api/scrape/events/kyiv HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200")) << text;
  EXPECT_NE(text.find("text/event-stream"), std::string::npos) << text;
  EXPECT_EQ(text.find("event:"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\r\n\r\n")) << text;
  EXPECT_EQ(testing::metric(s.port(), "cinestream_scrape_status_polls_total"), polls);
}

// 2. One client holds a bounded number of event streams, and a stream whose client left frees
// its connection at once, not at its next write.
TEST(Hardening, EventStreamsPerClientAreBoundedAndFreedWhenTheClientLeaves) {
  testing::TempDir dir;
  auto args = testing::demo_args(R"({"latency_ms": 400})");
  args.insert(args.end(), {"--gemini-max-in-flight", "1"});
  ServerProcess s(dir.str(), args);
  ASSERT_EQ(testing::post_scrape(s.port(), "kyiv").status, 202u);
  auto open_stream = [&] {
    auto c = std::make_unique<HttpClient>(s.port());
    boost::asio::write(c->socket(),
                       boost::asio::buffer(
                           std::string("GET /api/scrape/events/kyiv HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string head;
    char ch;
    while (!head.ends_with("\r\n\r\n")) {
      boost::system::error_code ec;
      if (c->socket().read_some(boost::asio::buffer(&ch, 1), ec) != 1 || ec) break;
      head.push_back(ch);
    }
    return std::make_pair(std::move(c), head);
  };
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 8; ++i) {
    auto [c, head] = open_stream();
    ASSERT_TRUE(head.starts_with("HTTP/1.1 200")) << i << head;
    held.push_back(std::move(c));
  }
  auto [extra, refused] = open_stream();
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 429")) << refused;
  extra.reset();
  auto open_connections = [&] { return testing::metric(s.port(), "cinestream_connections_open"); };
  ASSERT_GE(open_connections(), 9);
  held.clear();  // the clients go without a word
  // Freed while the scrape still runs (its status changes at most every few hundred ms): the
  // reads of the closed sockets end the streams, not a write.
  EXPECT_TRUE(testing::eventually([&] { return open_connections() <= 1; }, 5s))
      << open_connections();
  auto [again, head] = open_stream();
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
}

}  // namespace
}  // namespace cinestream
