// HttpClient against loopback test servers: plain HTTP, keep-alive pool, streaming, deadlines,
// limits, the plain-http policy, and TLS with a CA made in the test. No traffic leaves loopback.
#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <fstream>

#include "cinestream/net/http_client.hpp"
#include "support/net_async.hpp"
#include "support/net_dns_responder.hpp"
#include "support/net_http_server.hpp"
#include "support/net_test_pki.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::elapsed_ms;
using testing::error_of;
using testing::run_on;
using testing::ServerReply;
using testing::TestHttpServer;

ServerReply text(std::string body, http::status status = http::status::ok) {
  ServerReply r;
  r.response.result(status);
  r.response.set(http::field::content_type, "text/plain");
  r.response.body() = std::move(body);
  return r;
}

// Echoes the method, target and body; answers "hello" otherwise.
ServerReply echo(const http::request<http::string_body>& req, std::size_t) {
  if (req.method() == http::verb::post) {
    auto r =
        text(std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body());
    r.response.set("X-Echo", "yes");
    return r;
  }
  return text("hello");
}

std::string url(const TestHttpServer& s, const std::string& path, const char* host = "127.0.0.1",
                const char* scheme = "http") {
  return std::string(scheme) + "://" + host + ":" + std::to_string(s.port()) + path;
}

HttpRequest get(std::string u, std::chrono::milliseconds timeout = 5s) {
  HttpRequest r;
  r.url = std::move(u);
  r.timeout = timeout;
  return r;
}

TEST(HttpClient, GetAndPostWithBody) {
  asio::io_context io{1};
  TestHttpServer server(io, echo);
  HttpClient client(io.get_executor());
  HttpResponse got, posted, by_name;
  auto body = [&]() -> asio::awaitable<void> {
    auto g = get(url(server, "/hello?x=1"));
    g.headers = {{"X-Custom", "abc"}};
    got = co_await client.request(g);
    HttpRequest p = get(url(server, "/echo"));
    p.method = "POST";
    p.body = "{\"a\":1}";
    p.headers = {{"Content-Type", "application/json"}};
    posted = co_await client.request(p);
    by_name = co_await client.request(get(url(server, "/", "localhost")));
  };
  run_on(io, body);
  EXPECT_EQ(got.status, 200u);
  EXPECT_EQ(got.body, "hello");
  EXPECT_EQ(got.header("content-TYPE"), "text/plain");
  EXPECT_EQ(got.header("x-missing"), "");
  EXPECT_EQ(posted.status, 200u);
  EXPECT_EQ(posted.body, "POST /echo {\"a\":1}");
  EXPECT_EQ(posted.header("x-echo"), "yes");
  EXPECT_EQ(by_name.body, "hello");  // "localhost" counts as loopback
  ASSERT_EQ(server.requests().size(), 3u);
  const auto& r0 = server.requests()[0];
  EXPECT_EQ(r0.target(), "/hello?x=1");
  EXPECT_EQ(r0[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r0["X-Custom"], "abc");
  EXPECT_TRUE(r0.keep_alive());
  const auto& r1 = server.requests()[1];
  EXPECT_EQ(r1[http::field::content_length], "7");
  EXPECT_EQ(r1[http::field::content_type], "application/json");
  EXPECT_EQ(server.requests()[2][http::field::host], "localhost:" + std::to_string(server.port()));
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  asio::io_context io{1};
  TestHttpServer server(io, echo);
  HttpClient client(io.get_executor());
  std::string first, second;
  std::size_t idle_between = 99;
  auto body = [&]() -> asio::awaitable<void> {
    first = (co_await client.request(get(url(server, "/a")))).body;
    idle_between = client.idle_connections();
    second = (co_await client.request(get(url(server, "/b")))).body;
  };
  run_on(io, body);
  EXPECT_EQ(first, "hello");
  EXPECT_EQ(second, "hello");
  EXPECT_EQ(idle_between, 1u);
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST(HttpClient, ConnectionCloseIsNotPooled) {
  asio::io_context io{1};
  TestHttpServer server(io, [](const auto&, std::size_t) {
    auto r = text("bye");
    r.response.keep_alive(false);
    return r;
  });
  HttpClient client(io.get_executor());
  auto body = [&]() -> asio::awaitable<void> {
    co_await client.request(get(url(server, "/")));
    EXPECT_EQ(client.idle_connections(), 0u);
    co_await client.request(get(url(server, "/")));
  };
  run_on(io, body);
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(HttpClient, StaleKeepAliveConnectionIsRetriedOnce) {
  asio::io_context io{1};
  // The server keeps the connection open but drops it when the second request arrives on it,
  // as a server does when its idle timeout races with our reuse.
  TestHttpServer server(io, [](const auto&, std::size_t index) {
    ServerReply r = text("fresh");
    r.close_without_answer = index > 0;
    return r;
  });
  HttpClient client(io.get_executor());
  std::string second;
  auto body = [&]() -> asio::awaitable<void> {
    co_await client.request(get(url(server, "/")));
    second = (co_await client.request(get(url(server, "/")))).body;
  };
  run_on(io, body);
  EXPECT_EQ(second, "fresh");
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(server.requests().size(), 3u);  // 1, the dropped retry candidate, and the retry
}

HttpRequest post(std::string u, std::string body) {
  HttpRequest r = get(std::move(u));
  r.method = "POST";
  r.body = std::move(body);
  return r;
}

// A POST that reached the server may have been processed: when the server read it and closed
// without answering, the client must not send it again (a Gemini call would be billed twice).
TEST(HttpClient, PostReadByTheServerIsNotRetried) {
  asio::io_context io{1};
  TestHttpServer server(io, [](const auto&, std::size_t index) {
    ServerReply r = text("done");
    r.close_without_answer = index > 0;
    return r;
  });
  HttpClient client(io.get_executor());
  std::optional<HttpError> error;
  auto body = [&]() -> asio::awaitable<void> {
    co_await client.request(post(url(server, "/"), "first"));
    error = co_await error_of(client.request(post(url(server, "/"), "second")));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  ASSERT_EQ(server.requests().size(), 2u);  // "second" once, not twice
  EXPECT_EQ(server.requests()[1].body(), "second");
}

// A kept-alive connection the server closed while it sat in the pool is noticed before anything
// is written, so even a POST goes out (once) on a new connection.
TEST(HttpClient, PostAfterTheServerClosedAnIdleConnectionIsSentOnce) {
  asio::io_context io{1};
  // Every answer keeps the connection alive as far as the client can tell, then the server
  // closes it.
  TestHttpServer server(io, [](const auto& req, std::size_t) {
    ServerReply r;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n" + req.body();
    return r;
  });
  HttpClient client(io.get_executor());
  std::string a, b;
  std::size_t idle = 0;
  auto body = [&]() -> asio::awaitable<void> {
    a = (co_await client.request(post(url(server, "/"), "one"))).body;
    idle = client.idle_connections();
    co_await testing::sleep_for(50ms);  // the server's close arrives
    b = (co_await client.request(post(url(server, "/"), "two"))).body;
  };
  run_on(io, body);
  EXPECT_EQ(idle, 1u);
  EXPECT_EQ(a, "one");
  EXPECT_EQ(b, "two");
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.connections(), 2u);
}

TEST(HttpClient, FailureAfterResponseBytesIsNotRetried) {
  asio::io_context io{1};
  TestHttpServer server(io, [](const auto&, std::size_t index) {
    ServerReply r = text("0123456789");
    // The second answer breaks off in the body: bytes arrived, so a retry could repeat effects.
    if (index > 0) r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort";
    return r;
  });
  HttpClient client(io.get_executor());
  std::optional<HttpError> error;
  auto body = [&]() -> asio::awaitable<void> {
    co_await client.request(get(url(server, "/")));
    error = co_await error_of(client.request(get(url(server, "/"))));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::protocol);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpClient, IdleConnectionsExpire) {
  asio::io_context io{1};
  TestHttpServer server(io, echo);
  HttpClientOptions options;
  options.idle_keepalive = 50ms;
  HttpClient client(io.get_executor(), options);
  std::size_t idle_after = 99, idle_later = 99;
  auto body = [&]() -> asio::awaitable<void> {
    co_await client.request(get(url(server, "/")));
    idle_after = client.idle_connections();
    co_await testing::sleep_for(80ms);
    idle_later = client.idle_connections();
    co_await client.request(get(url(server, "/")));
  };
  run_on(io, body);
  EXPECT_EQ(idle_after, 1u);
  EXPECT_EQ(idle_later, 0u);
  EXPECT_EQ(server.connections(), 2u);  // the expired one was not reused
}

TEST(HttpClient, IdlePoolIsBoundedPerHost) {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io{1};
  TestHttpServer server(io, echo);
  HttpClientOptions options;
  options.max_idle_per_host = 1;
  HttpClient client(io.get_executor(), options);
  auto body = [&]() -> asio::awaitable<void> {
    co_await (client.request(get(url(server, "/1"))) && client.request(get(url(server, "/2"))) &&
              client.request(get(url(server, "/3"))));
  };
  run_on(io, body);
  EXPECT_EQ(server.connections(), 3u);  // concurrent requests each had their own connection
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST(HttpClient, StreamsAChunkedBodyAsItArrives) {
  asio::io_context io{1};
  const std::vector<std::string> chunks = {"data: one\n\n", "data: two\n\n", "data: three\n\n"};
  std::string seen;
  std::vector<std::string> pieces;
  bool server_gave_up_waiting = false;
  TestHttpServer server(io, [&](const auto&, std::size_t) {
    ServerReply r;
    r.chunks = chunks;
    // Chunk i is written only once the client has handed chunk i-1 to on_chunk: a client that
    // buffered the whole body would stall here.
    r.before_chunk = [&](std::size_t i) -> asio::awaitable<void> {
      std::size_t want = 0;
      for (std::size_t k = 0; k < i; ++k)
        want += chunks[k].size();
      for (int tries = 0; seen.size() < want; ++tries) {
        if (tries == 400) {
          server_gave_up_waiting = true;
          break;
        }
        co_await testing::sleep_for(5ms);
      }
    };
    return r;
  });
  HttpClient client(io.get_executor());
  HttpResponse head;
  std::function<void(std::string_view)> on_chunk = [&](std::string_view piece) {
    pieces.emplace_back(piece);
    seen += piece;
  };
  auto body = [&]() -> asio::awaitable<void> {
    head = co_await client.request_stream(get(url(server, "/stream")), on_chunk);
  };
  run_on(io, body);
  EXPECT_FALSE(server_gave_up_waiting);
  EXPECT_EQ(seen, "data: one\n\ndata: two\n\ndata: three\n\n");
  EXPECT_GE(pieces.size(), 3u);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head.header("Transfer-Encoding"), "chunked");
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(client.idle_connections(), 1u);  // fully read, so reusable
}

TEST(HttpClient, StallingServerTimesOut) {
  asio::io_context io{1};
  TestHttpServer server(io, [](const auto&, std::size_t) {
    ServerReply r;
    r.stall = true;
    return r;
  });
  HttpClient client(io.get_executor());
  std::optional<HttpError> error, streamed;
  long long took = 0;
  auto body = [&]() -> asio::awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    error = co_await error_of(client.request(get(url(server, "/slow"), 300ms)));
    took = elapsed_ms(start);
    std::function<void(std::string_view)> ignore = [](std::string_view) {};
    streamed = co_await error_of(client.request_stream(get(url(server, "/slow"), 200ms), ignore));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::timeout);
  EXPECT_GE(took, 250);
  EXPECT_LT(took, 2000);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->kind(), HttpErrorKind::timeout);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST(HttpClient, RefusedConnectionIsConnectError) {
  asio::io_context io{1};
  unsigned short port = 0;
  {
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  HttpClient client(io.get_executor());
  std::optional<HttpError> error;
  auto body = [&]() -> asio::awaitable<void> {
    HttpRequest r = get("http://127.0.0.1:" + std::to_string(port) + "/v1/models?key=SECRETKEY");
    r.headers = {{"x-goog-api-key", "SECRETHEADER"}};
    error = co_await error_of(client.request(r));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::connect);
  std::string what = error->what();
  EXPECT_NE(what.find("http://127.0.0.1:" + std::to_string(port) + "/v1/models"), std::string::npos)
      << what;
  // Keys travel in the query and in headers: neither may appear in an error message.
  EXPECT_EQ(what.find("SECRET"), std::string::npos) << what;
  EXPECT_EQ(what.find("key="), std::string::npos) << what;
}

TEST(HttpClient, OversizedResponseIsProtocolError) {
  asio::io_context io{1};
  TestHttpServer server(io, [](const auto&, std::size_t) { return text(std::string(4096, 'x')); });
  HttpClientOptions options;
  options.max_response_bytes = 1024;
  HttpClient client(io.get_executor(), options);
  std::optional<HttpError> error, streamed;
  auto body = [&]() -> asio::awaitable<void> {
    error = co_await error_of(client.request(get(url(server, "/big"))));
    std::function<void(std::string_view)> ignore = [](std::string_view) {};
    streamed = co_await error_of(client.request_stream(get(url(server, "/big")), ignore));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::protocol);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->kind(), HttpErrorKind::protocol);
}

TEST(HttpClient, PlainHttpOffLoopbackIsRefusedBeforeAnyTraffic) {
  asio::io_context io{1};
  testing::DnsResponder dns(io, {{"plain.test", asio::ip::make_address_v4("127.0.0.1")}});
  HttpClientOptions options;
  options.dns_servers = {dns.server()};
  HttpClient client(io.get_executor(), options);
  std::optional<HttpError> test_net, by_name, mapped;
  long long took = 0;
  auto body = [&]() -> asio::awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    // TEST-NET-1: a connection attempt would hang until the 5 s timeout.
    test_net = co_await error_of(client.request(get("http://192.0.2.1/")));
    took = elapsed_ms(start);
    // Refused even though DNS would say 127.0.0.1: the name is not known to be loopback.
    by_name = co_await error_of(client.request(get("http://plain.test:8080/x?key=1")));
    mapped = co_await error_of(client.request(get("http://[::ffff:192.0.2.1]/")));
  };
  run_on(io, body);
  ASSERT_TRUE(test_net);
  EXPECT_EQ(test_net->kind(), HttpErrorKind::refused_plain_http);
  EXPECT_LT(took, 200);
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->kind(), HttpErrorKind::refused_plain_http);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->kind(), HttpErrorKind::refused_plain_http);
  EXPECT_EQ(dns.queries().size(), 0u);  // refused before any lookup
}

TEST(HttpClient, MalformedRequestsAreProtocolErrors) {
  asio::io_context io{1};
  HttpClient client(io.get_executor());
  std::vector<std::optional<HttpError>> errors;
  auto body = [&]() -> asio::awaitable<void> {
    errors.push_back(co_await error_of(client.request(get("ftp://127.0.0.1/"))));
    errors.push_back(co_await error_of(client.request(get("not a url"))));
    errors.push_back(co_await error_of(client.request(get("http://user:pw@127.0.0.1/"))));
    HttpRequest injected = get("http://127.0.0.1:1/");
    injected.headers = {{"X-Key", "a\r\nEvil: 1"}};
    errors.push_back(co_await error_of(client.request(injected)));
  };
  run_on(io, body);
  ASSERT_EQ(errors.size(), 4u);
  for (const auto& e : errors) {
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), HttpErrorKind::protocol) << e->what();
    EXPECT_EQ(std::string(e->what()).find("Evil"), std::string::npos);
  }
}

// ---- TLS ----

class TlsHttpClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new testing::TestCa();
    good_ = new testing::TestCertificate(
        ca_->issue("localhost", "DNS:localhost,DNS:gemini.test,IP:127.0.0.1"));
    other_ = new testing::TestCertificate(ca_->issue("other.test", "DNS:other.test"));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete good_;
    delete other_;
  }
  void SetUp() override {
    ca_file_ = (dir_.path() / "ca.pem").string();
    std::ofstream(ca_file_) << ca_->cert_pem();
  }
  HttpClientOptions trusting() const {
    HttpClientOptions o;
    o.ca_file = ca_file_;
    return o;
  }

  static inline testing::TestCa* ca_ = nullptr;
  static inline testing::TestCertificate* good_ = nullptr;
  static inline testing::TestCertificate* other_ = nullptr;
  testing::TempDir dir_;
  std::string ca_file_;
};

TEST_F(TlsHttpClient, VerifiedServerByNameAndAddress) {
  asio::io_context io{1};
  TestHttpServer server(io, echo, TestHttpServer::tls_context(good_->cert_pem, good_->key_pem));
  HttpClient client(io.get_executor(), trusting());
  HttpResponse a, b, c;
  auto body = [&]() -> asio::awaitable<void> {
    a = co_await client.request(get(url(server, "/", "localhost", "https")));
    b = co_await client.request(get(url(server, "/", "localhost", "https")));
    HttpRequest p = get(url(server, "/echo", "127.0.0.1", "https"));
    p.method = "POST";
    p.body = "over tls";
    c = co_await client.request(p);
  };
  run_on(io, body);
  EXPECT_EQ(a.body, "hello");
  EXPECT_EQ(b.body, "hello");
  EXPECT_EQ(c.body, "POST /echo over tls");
  EXPECT_EQ(server.connections(), 2u);  // localhost reused; 127.0.0.1 is another pool key
  EXPECT_EQ(client.idle_connections(), 2u);
}

TEST_F(TlsHttpClient, NameResolvedThroughDnsIsVerified) {
  asio::io_context io{1};
  testing::DnsResponder dns(io, {{"gemini.test", asio::ip::make_address_v4("127.0.0.1")}});
  TestHttpServer server(io, echo, TestHttpServer::tls_context(good_->cert_pem, good_->key_pem));
  HttpClientOptions options = trusting();
  options.dns_servers = {dns.server()};
  HttpClient client(io.get_executor(), options);
  HttpResponse got;
  auto body = [&]() -> asio::awaitable<void> {
    got = co_await client.request(get(url(server, "/", "gemini.test", "https")));
  };
  run_on(io, body);
  EXPECT_EQ(got.body, "hello");
  EXPECT_GE(dns.queries_for("gemini.test"), 1u);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0][http::field::host],
            "gemini.test:" + std::to_string(server.port()));
}

TEST_F(TlsHttpClient, HostnameMismatchIsRefused) {
  asio::io_context io{1};
  // A certificate from the trusted CA, but for other.test.
  TestHttpServer server(io, echo, TestHttpServer::tls_context(other_->cert_pem, other_->key_pem));
  HttpClient client(io.get_executor(), trusting());
  std::optional<HttpError> by_name, by_address;
  auto body = [&]() -> asio::awaitable<void> {
    by_name = co_await error_of(client.request(get(url(server, "/", "localhost", "https"))));
    by_address = co_await error_of(client.request(get(url(server, "/", "127.0.0.1", "https"))));
  };
  run_on(io, body);
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->kind(), HttpErrorKind::tls) << by_name->what();
  ASSERT_TRUE(by_address);
  EXPECT_EQ(by_address->kind(), HttpErrorKind::tls) << by_address->what();
  EXPECT_TRUE(server.requests().empty());  // nothing was sent to the impostor
}

TEST_F(TlsHttpClient, UntrustedByTheSystemStore) {
  asio::io_context io{1};
  TestHttpServer server(io, echo, TestHttpServer::tls_context(good_->cert_pem, good_->key_pem));
  HttpClient client(io.get_executor());  // no ca_file: the system store, which lacks our CA
  std::optional<HttpError> error;
  auto body = [&]() -> asio::awaitable<void> {
    error = co_await error_of(client.request(get(url(server, "/", "localhost", "https"))));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::tls) << error->what();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsHttpClient, StreamsOverTls) {
  asio::io_context io{1};
  TestHttpServer server(
      io,
      [](const auto&, std::size_t) {
        ServerReply r;
        r.chunks = {"a", "bb", "ccc"};
        return r;
      },
      TestHttpServer::tls_context(good_->cert_pem, good_->key_pem));
  HttpClient client(io.get_executor(), trusting());
  std::string seen;
  std::function<void(std::string_view)> on_chunk = [&](std::string_view s) { seen += s; };
  auto body = [&]() -> asio::awaitable<void> {
    co_await client.request_stream(get(url(server, "/", "localhost", "https")), on_chunk);
  };
  run_on(io, body);
  EXPECT_EQ(seen, "abbccc");
}

// The CA store is loaded when the client is made (at start-up), never by a request on an event
// loop thread: removing the CA file afterwards changes nothing.
TEST_F(TlsHttpClient, CaStoreIsLoadedWhenTheClientIsMade) {
  asio::io_context io{1};
  TestHttpServer server(io, echo, TestHttpServer::tls_context(good_->cert_pem, good_->key_pem));
  HttpClient client(io.get_executor(), trusting());
  std::filesystem::remove(ca_file_);
  HttpResponse got;
  auto body = [&]() -> asio::awaitable<void> {
    got = co_await client.request(get(url(server, "/", "localhost", "https")));
  };
  run_on(io, body);
  EXPECT_EQ(got.body, "hello");
}

TEST_F(TlsHttpClient, UnreadableCaFileIsTlsError) {
  asio::io_context io{1};
  HttpClientOptions options;
  options.ca_file = (dir_.path() / "missing.pem").string();
  HttpClient client(io.get_executor(), options);
  std::optional<HttpError> error;
  auto body = [&]() -> asio::awaitable<void> {
    error = co_await error_of(client.request(get("https://localhost:1/")));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::tls);
}

}  // namespace
}  // namespace cinestream::net
