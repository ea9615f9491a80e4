#pragma once
// A scriptable HTTP/1.1 test server on 127.0.0.1 (plain or TLS) running on the test's io_context.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cinestream::testing {

namespace test_http = boost::beast::http;

// What the server does with one request.
struct ServerReply {
  test_http::response<test_http::string_body> response{test_http::status::ok, 11};
  bool stall = false;                 // read the request, never answer
  bool close_without_answer = false;  // read the request, close the connection
  std::string raw;                    // non-empty: written as-is, then the connection is closed
  std::vector<std::string> chunks;    // non-empty: a chunked body, each chunk written separately
  // Awaited before writing chunk i (i >= 1), e.g. to wait until the client has seen chunk i-1.
  std::function<boost::asio::awaitable<void>(std::size_t)> before_chunk;
};

// (request, index of the request on its connection) -> reply
using ServerScript =
    std::function<ServerReply(const test_http::request<test_http::string_body>&, std::size_t)>;

class TestHttpServer {
 public:
  TestHttpServer(boost::asio::io_context& io, ServerScript script,
                 std::shared_ptr<boost::asio::ssl::context> tls = nullptr)
      : state_(std::make_shared<State>(io)) {
    state_->script = std::move(script);
    state_->tls = std::move(tls);
    boost::asio::co_spawn(io, accept_loop(state_), boost::asio::detached);
  }
  ~TestHttpServer() {
    boost::system::error_code ec;
    state_->acceptor.close(ec);
  }

  unsigned short port() const { return state_->acceptor.local_endpoint().port(); }
  std::size_t connections() const { return state_->connections; }
  const std::vector<test_http::request<test_http::string_body>>& requests() const {
    return state_->requests;
  }

  static std::shared_ptr<boost::asio::ssl::context> tls_context(const std::string& cert_pem,
                                                                const std::string& key_pem) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->use_certificate_chain(boost::asio::buffer(cert_pem));
    ctx->use_private_key(boost::asio::buffer(key_pem), ssl::context::pem);
    return ctx;
  }

 private:
  struct State {
    explicit State(boost::asio::io_context& io)
        : acceptor(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0}) {}
    boost::asio::ip::tcp::acceptor acceptor;
    ServerScript script;
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::size_t connections = 0;
    std::vector<test_http::request<test_http::string_body>> requests;
  };

  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<State> st) {
    namespace asio = boost::asio;
    for (;;) {
      auto [ec, socket] = co_await st->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++st->connections;
      asio::co_spawn(st->acceptor.get_executor(), session(st, std::move(socket)), asio::detached);
    }
  }

  static boost::asio::awaitable<void> session(std::shared_ptr<State> st,
                                              boost::asio::ip::tcp::socket socket) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    if (!st->tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(st, stream);
      beast::error_code ignored;
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *st->tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // e.g. the client refused our certificate
    beast::get_lowest_layer(stream).expires_never();
    co_await serve(st, stream);
  }

  template <class Stream>
  static boost::asio::awaitable<void> serve(std::shared_ptr<State> st, Stream& stream) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    constexpr auto token = asio::as_tuple(asio::use_awaitable);
    beast::flat_buffer buffer;
    for (std::size_t index = 0;; ++index) {
      test_http::request<test_http::string_body> req;
      auto [ec, n] = co_await test_http::async_read(stream, buffer, req, token);
      if (ec) co_return;
      st->requests.push_back(req);
      ServerReply reply = st->script(req, index);
      if (reply.close_without_answer) co_return;
      if (!reply.raw.empty()) {
        co_await asio::async_write(stream, asio::buffer(reply.raw), token);
        co_return;
      }
      if (reply.stall) {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(60));
        co_await t.async_wait(token);
        co_return;
      }
      if (!reply.chunks.empty()) {
        test_http::response<test_http::empty_body> head{test_http::status::ok, 11};
        head.set(test_http::field::content_type, "text/event-stream");
        head.chunked(true);
        test_http::response_serializer<test_http::empty_body> sr{head};
        auto [hec, hn] = co_await test_http::async_write_header(stream, sr, token);
        if (hec) co_return;
        for (std::size_t i = 0; i < reply.chunks.size(); ++i) {
          if (i > 0 && reply.before_chunk) co_await reply.before_chunk(i);
          auto [cec, cn] = co_await asio::async_write(
              stream, test_http::make_chunk(asio::buffer(reply.chunks[i])), token);
          if (cec) co_return;
        }
        auto [lec, ln] = co_await asio::async_write(stream, test_http::make_chunk_last(), token);
        if (lec) co_return;
        continue;
      }
      reply.response.prepare_payload();
      const bool keep = reply.response.keep_alive();
      auto [wec, wn] = co_await test_http::async_write(stream, reply.response, token);
      if (wec || !keep) co_return;
    }
  }

  std::shared_ptr<State> state_;
};

}  // namespace cinestream::testing
