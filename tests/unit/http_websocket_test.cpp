// WebSockets on the server (Reply::websocket): a real server on loopback and Beast's WebSocket
// client. The routes are the test's own; the accounts middleware is stood in for by fake_auth.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <atomic>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "cinestream/http/server.hpp"
#include "cinestream/observability/metrics.hpp"
#include "cinestream/runtime/event_loops.hpp"
#include "support/eventually.hpp"
#include "support/net_async.hpp"

namespace cinestream {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace ws = boost::beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using http::Reply;
using http::RequestContext;
using http::Status;
using http::WebSocketChannel;

constexpr std::string_view kSite = "https://site.example";
constexpr std::size_t kMaxMessage = 1024;
constexpr std::size_t kSendQueue = 64 * 1024;
constexpr std::size_t kFloodMessage = 8 * 1024;

// Stands in for the accounts middleware: "Authorization: Bearer good" or the cookie "s=good".
http::Middleware fake_auth() {
  return [](RequestContext& ctx, http::Next next) -> asio::awaitable<Reply> {
    if (ctx.request[bh::field::authorization] == "Bearer good") {
      ctx.principal = http::Principal{.user_id = "u1", .role = "user", .session_id = "s1"};
    } else if (ctx.request[bh::field::cookie] == "s=good") {
      ctx.principal =
          http::Principal{.user_id = "u1", .role = "user", .session_id = "s1", .from_cookie = true};
    }
    co_return co_await next();
  };
}

// What the server's handlers saw, read by the test's thread.
struct Seen {
  std::atomic<bool> send_refused{false};
  std::atomic<bool> closed_after_refusal{false};
  std::atomic<std::size_t> max_queued{0};
  std::atomic<bool> stopping_at_close{false};
  std::atomic<int> waiting{0};
};

class WebSocketServer : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.use(fake_auth());
    // A signed-in caller's echo: a greeting, then each message back.
    router_.add(http::Verb::get, "/ws/echo", [](RequestContext& ctx) -> asio::awaitable<Reply> {
      if (!ctx.principal) {
        co_return http::error_response(Status::unauthorized, "unauthenticated", "sign in first");
      }
      std::string user = ctx.principal->user_id;
      co_return Reply::websocket([user](WebSocketChannel& ch) -> asio::awaitable<void> {
        ch.send_text(fmt::format("hello {}", user));
        while (!ch.closed()) {
          auto message = co_await ch.receive(5s);
          if (message) ch.send_text(fmt::format("echo:{}", *message));
        }
      });
    });
    // Sends as fast as it can until the channel refuses.
    router_.add(http::Verb::get, "/ws/flood", [this](RequestContext&) -> asio::awaitable<Reply> {
      co_return Reply::websocket([this](WebSocketChannel& ch) -> asio::awaitable<void> {
        while (ch.send_text(std::string(kFloodMessage, 'x'))) {
          seen_.max_queued = std::max(seen_.max_queued.load(), ch.queued_bytes());
          co_await asio::post(ch.executor(), asio::use_awaitable);  // the writer gets its turn
        }
        seen_.closed_after_refusal = ch.closed();
        seen_.send_refused = true;
      });
    });
    // Waits for the channel to close, woken by on_close.
    router_.add(http::Verb::get, "/ws/wait", [this](RequestContext&) -> asio::awaitable<Reply> {
      co_return Reply::websocket([this](WebSocketChannel& ch) -> asio::awaitable<void> {
        asio::steady_timer wake(ch.executor());
        ch.on_close([&wake] { wake.cancel(); });
        ++seen_.waiting;
        while (!ch.closed()) {
          wake.expires_after(30s);
          co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        seen_.stopping_at_close = ch.stopping();
      });
    });
    metrics_ = std::make_unique<HttpMetrics>(router_.route_names(), 1);
    http::ServerOptions options;
    options.access_log = false;
    options.limits = http::ClientLimitOptions::none();
    options.websocket.allowed_origins = {std::string(kSite)};
    options.websocket.max_message = kMaxMessage;
    options.websocket.send_queue_bytes = kSendQueue;
    configure(options);
    server_ = std::make_unique<http::Server>(loops_, router_, *metrics_, options);
    port_ = server_->listen();
    server_->start();
    thread_ = std::thread([this] { loops_.run(); });
  }

  void TearDown() override {
    loops_.stop();
    thread_.join();
    loops_.shutdown();
  }

  virtual void configure(http::ServerOptions&) {}

  // Runs a client coroutine on the test's own io_context, bounded.
  template <class Make>
  void client(Make make) {
    io_.restart();
    testing::run_on(io_, make);
  }

  struct Opened {
    std::unique_ptr<ws::stream<tcp::socket>> stream;
    ws::response_type response;
    boost::system::error_code ec;
  };
  // Opens `target` with these request fields (empty: not sent).
  asio::awaitable<Opened> open(std::string target, std::string origin, std::string authorization,
                               std::string cookie = {}, int receive_buffer = 0) {
    Opened o;
    o.stream = std::make_unique<ws::stream<tcp::socket>>(io_);
    auto& sock = o.stream->next_layer();
    sock.open(tcp::v4());
    if (receive_buffer > 0) sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    co_await sock.async_connect({asio::ip::make_address("127.0.0.1"), port_}, asio::use_awaitable);
    o.stream->set_option(ws::stream_base::decorator([=](ws::request_type& req) {
      if (!origin.empty()) req.set(bh::field::origin, origin);
      if (!authorization.empty()) req.set(bh::field::authorization, authorization);
      if (!cookie.empty()) req.set(bh::field::cookie, cookie);
    }));
    auto [ec] = co_await o.stream->async_handshake(o.response, "127.0.0.1", target,
                                                   asio::as_tuple(asio::use_awaitable));
    o.ec = ec;
    co_return o;
  }

  // An upgraded socket to `target` from the site's page, kept for the test to go on with.
  std::unique_ptr<ws::stream<tcp::socket>> opened(std::string target, int receive_buffer = 0) {
    std::unique_ptr<ws::stream<tcp::socket>> stream;
    client([&]() -> asio::awaitable<void> {
      auto o = co_await open(target, std::string(kSite), "", "", receive_buffer);
      EXPECT_FALSE(o.ec) << o.ec.message();
      if (!o.ec) stream = std::move(o.stream);
    });
    return stream;
  }

  // A plain HTTP exchange (no WebSocket client): the request as given.
  bh::response<bh::string_body> plain(bh::request<bh::string_body> req) {
    bh::response<bh::string_body> res;
    client([&]() -> asio::awaitable<void> {
      tcp::socket sock(io_);
      co_await sock.async_connect({asio::ip::make_address("127.0.0.1"), port_},
                                  asio::use_awaitable);
      req.set(bh::field::host, "127.0.0.1");
      req.prepare_payload();
      co_await bh::async_write(sock, req, asio::use_awaitable);
      beast::flat_buffer buffer;
      co_await bh::async_read(sock, buffer, res, asio::use_awaitable);
    });
    return res;
  }

  // The echo route works: the server is fine.
  void expect_echo_works() {
    client([&]() -> asio::awaitable<void> {
      auto o = co_await open("/ws/echo", std::string(kSite), "Bearer good");
      EXPECT_FALSE(o.ec) << o.ec.message();
      if (o.ec) co_return;
      beast::flat_buffer buffer;
      co_await o.stream->async_read(buffer, asio::use_awaitable);
      co_await o.stream->async_write(asio::buffer(std::string_view("again")), asio::use_awaitable);
      buffer.clear();
      co_await o.stream->async_read(buffer, asio::use_awaitable);
      EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:again");
      co_await o.stream->async_close(ws::close_code::normal, asio::use_awaitable);
    });
  }

  EventLoops loops_{1};
  http::Router router_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  Seen seen_;
  asio::io_context io_;
};

TEST_F(WebSocketServer, UpgradesAndMessagesFlowBothWays) {
  client([&]() -> asio::awaitable<void> {
    auto o = co_await open("/ws/echo", std::string(kSite), "Bearer good");
    EXPECT_FALSE(o.ec) << o.ec.message();
    if (o.ec) co_return;
    EXPECT_EQ(o.response.result(), bh::status::switching_protocols);
    // The server's own fields go out with the 101 too.
    EXPECT_FALSE(o.response["X-Request-Id"].empty());
    EXPECT_EQ(server_->open_websockets(), 1u);
    beast::flat_buffer buffer;
    co_await o.stream->async_read(buffer, asio::use_awaitable);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello u1");
    const std::vector<std::string> texts{"one", "two", std::string(kMaxMessage, 'z')};
    for (const auto& text : texts) {
      co_await o.stream->async_write(asio::buffer(text), asio::use_awaitable);
      buffer.clear();
      co_await o.stream->async_read(buffer, asio::use_awaitable);
      EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:" + text);
    }
    co_await o.stream->async_close(ws::close_code::normal, asio::use_awaitable);
  });
  EXPECT_TRUE(testing::eventually([&] { return server_->open_websockets() == 0; }));
  EXPECT_TRUE(testing::eventually([&] { return server_->active_connections() == 0; }));
}

TEST_F(WebSocketServer, WithoutASessionTheHandlersRefusalIsAnsweredAndNothingIsUpgraded) {
  client([&]() -> asio::awaitable<void> {
    auto o = co_await open("/ws/echo", std::string(kSite), "");
    EXPECT_EQ(o.ec, ws::error::upgrade_declined);
    EXPECT_EQ(o.response.result(), bh::status::unauthorized);
    EXPECT_NE(o.response.body().find(R"("code":"unauthenticated")"), std::string::npos);
    EXPECT_TRUE(o.response[bh::field::sec_websocket_accept].empty());
  });
  EXPECT_EQ(server_->open_websockets(), 0u);
}

TEST_F(WebSocketServer, AnotherSitesOriginIsRefusedBeforeTheUpgrade) {
  client([&]() -> asio::awaitable<void> {
    const std::vector<std::pair<std::string, std::string>> callers{{"Bearer good", ""},
                                                                   {"", "s=good"}};
    for (const auto& caller : callers) {
      auto o = co_await open("/ws/echo", "https://evil.example", caller.first, caller.second);
      EXPECT_EQ(o.ec, ws::error::upgrade_declined);
      EXPECT_EQ(o.response.result(), bh::status::forbidden);
      EXPECT_NE(o.response.body().find(R"("code":"origin_rejected")"), std::string::npos);
    }
    // The site's own page, signed in by the cookie: upgraded.
    auto ok = co_await open("/ws/echo", std::string(kSite), "", "s=good");
    EXPECT_FALSE(ok.ec) << ok.ec.message();
  });
}

TEST_F(WebSocketServer, NoOriginNeedsABearerTokenNotTheCookie) {
  client([&]() -> asio::awaitable<void> {
    auto cookie = co_await open("/ws/echo", "", "", "s=good");
    EXPECT_EQ(cookie.response.result(), bh::status::forbidden);
    EXPECT_NE(cookie.response.body().find(R"("code":"origin_required")"), std::string::npos);
    auto bearer = co_await open("/ws/echo", "", "Bearer good");
    EXPECT_FALSE(bearer.ec) << bearer.ec.message();
  });
}

TEST_F(WebSocketServer, APlainGetIsUpgradeRequiredAndABadHandshakeIsRefused) {
  bh::request<bh::string_body> get{bh::verb::get, "/ws/echo", 11};
  get.set(bh::field::authorization, "Bearer good");
  auto res = plain(get);
  EXPECT_EQ(res.result(), bh::status::upgrade_required);
  EXPECT_EQ(res[bh::field::upgrade], "websocket");
  EXPECT_NE(res.body().find(R"("code":"upgrade_required")"), std::string::npos);

  auto upgrade = get;
  upgrade.set(bh::field::connection, "Upgrade");
  upgrade.set(bh::field::upgrade, "websocket");
  upgrade.set(bh::field::sec_websocket_version, "13");
  upgrade.set(bh::field::sec_websocket_key, "tooshort");
  res = plain(upgrade);
  EXPECT_EQ(res.result(), bh::status::bad_request);
  EXPECT_NE(res.body().find(R"("code":"bad_websocket_handshake")"), std::string::npos);

  upgrade.set(bh::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  upgrade.set(bh::field::sec_websocket_version, "8");
  res = plain(upgrade);
  EXPECT_EQ(res.result(), bh::status::upgrade_required);
  EXPECT_EQ(res[bh::field::sec_websocket_version], "13");
  EXPECT_EQ(server_->open_websockets(), 0u);
}

TEST_F(WebSocketServer, AnOversizedMessageIsClosedWith1009AndTheServerGoesOn) {
  client([&]() -> asio::awaitable<void> {
    auto o = co_await open("/ws/echo", std::string(kSite), "Bearer good");
    EXPECT_FALSE(o.ec) << o.ec.message();
    if (o.ec) co_return;
    beast::flat_buffer buffer;
    co_await o.stream->async_read(buffer, asio::use_awaitable);  // the greeting
    std::string big(kMaxMessage + 1, 'z');
    co_await o.stream->async_write(asio::buffer(big), asio::use_awaitable);
    buffer.clear();
    auto [ec, n] = co_await o.stream->async_read(buffer, asio::as_tuple(asio::use_awaitable));
    (void)n;
    EXPECT_EQ(ec, ws::error::closed) << ec.message();
    EXPECT_EQ(o.stream->reason().code, ws::close_code::too_big);
  });
  expect_echo_works();
}

TEST_F(WebSocketServer, AClientThatDoesNotReadIsDisconnectedWithTheQueueBounded) {
  auto stream = opened("/ws/flood", 4096);
  ASSERT_TRUE(stream);
  // The client reads nothing: the kernel's buffers fill, then the server's queue.
  ASSERT_TRUE(testing::eventually([&] { return seen_.send_refused.load(); }, 30s));
  EXPECT_TRUE(seen_.closed_after_refusal);
  EXPECT_LE(seen_.max_queued.load(), kSendQueue + kFloodMessage);
  // What the kernel held is still readable; then the connection ends, without a close frame.
  client([&]() -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!ec) {
      buffer.clear();
      std::tie(ec, std::ignore) =
          co_await stream->async_read(buffer, asio::as_tuple(asio::use_awaitable));
    }
    EXPECT_NE(ec, ws::error::closed) << ec.message();
  });
  EXPECT_TRUE(testing::eventually([&] { return server_->open_websockets() == 0; }));
  expect_echo_works();
}

TEST_F(WebSocketServer, ShutdownClosesWith1001) {
  auto stream = opened("/ws/wait");
  ASSERT_TRUE(stream);
  ASSERT_TRUE(testing::eventually([&] { return seen_.waiting.load() == 1; }));
  auto drained = asio::co_spawn(loops_.at(0), server_->drain(10s), asio::use_future);
  client([&]() -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await stream->async_read(buffer, asio::as_tuple(asio::use_awaitable));
    (void)n;
    EXPECT_EQ(ec, ws::error::closed) << ec.message();
    EXPECT_EQ(stream->reason().code, ws::close_code::going_away);
  });
  ASSERT_EQ(drained.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(seen_.stopping_at_close);
  EXPECT_EQ(server_->active_connections(), 0u);
}

TEST_F(WebSocketServer, GarbageAfterTheUpgradeClosesThatSocketOnly) {
  std::mt19937 rng(18);
  for (int round = 0; round < 24; ++round) {
    std::string garbage(1 + rng() % 300, '\0');
    for (auto& c : garbage)
      c = static_cast<char>(rng());
    // Some rounds look like a frame header first: unmasked, reserved bits, huge lengths.
    if (round % 3 == 0) garbage[0] = static_cast<char>(0x81);
    client([&]() -> asio::awaitable<void> {
      auto o = co_await open("/ws/echo", std::string(kSite), "Bearer good");
      EXPECT_FALSE(o.ec) << o.ec.message();
      if (o.ec) co_return;
      auto& sock = o.stream->next_layer();
      auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(garbage),
                                                  asio::as_tuple(asio::use_awaitable));
      (void)wec;
      (void)wn;
      // Whatever the bytes left half-said ends here: the server sees the end of the stream.
      boost::system::error_code ignored;
      sock.shutdown(tcp::socket::shutdown_send, ignored);
      std::array<char, 4096> sink{};
      for (;;) {
        auto [ec, n] =
            co_await sock.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
        (void)n;
        if (ec) break;
      }
    });
  }
  EXPECT_TRUE(testing::eventually([&] { return server_->open_websockets() == 0; }));
  expect_echo_works();
}

// A client that stops answering pings is closed: the server pings it when it has been quiet for
// half the idle timeout, and gives up at the end of it.
class QuietWebSocketServer : public WebSocketServer {
 protected:
  void configure(http::ServerOptions& options) override { options.websocket.idle_timeout = 300ms; }
};

TEST_F(QuietWebSocketServer, AClientThatDoesNotAnswerPingsIsClosed) {
  auto stream = opened("/ws/wait");
  ASSERT_TRUE(stream);
  // The client's io_context does not run: nothing reads the pings, nothing answers them.
  EXPECT_TRUE(testing::eventually([&] { return server_->open_websockets() == 0; }, 10s));
  EXPECT_EQ(seen_.waiting.load(), 1);
}

}  // namespace
}  // namespace cinestream
