#pragma once
// WebSockets (RFC 6455, Boost.Beast) on the server's own connections, for pages that are told
// things as they happen (issue #18's live notifications).
//
// A route answers an upgrade request with Reply::websocket(handler). The request has gone through
// the whole middleware chain first, so authentication has filled ctx.principal and a handler that
// refuses (401, 403) answers with a normal JSON error: a socket without a valid session is never
// upgraded. Then the server, still before upgrading:
//   - a request that is not an upgrade (a plain GET) → 426 upgrade_required;
//   - a malformed handshake (no or bad Sec-WebSocket-Key, a version other than 13) → 400;
//   - an Origin that is not allowed → 403 origin_rejected. A browser sends its cookies with a
//     cross-site WebSocket and the CSRF check (unsafe methods only) does not cover a GET, so the
//     Origin is checked here: against WebSocketOptions::allowed_origins, or, when none are
//     configured, the Origin must name the Host the request was sent to. Browsers always send an
//     Origin with a WebSocket, so a missing one means a non-browser client: allowed, except when
//     the caller was authenticated by the session cookie (403 origin_required): a cookie without
//     an Origin is a script replaying a browser's cookie, and it must use a Bearer token instead;
//   - draining (shutdown) → 503.
// Then the 101 answer (with the fields middleware put on the reply's head, e.g. Set-Cookie) and
// the handler runs with the channel until it returns; the server then closes (1000).
//
// Bounds: the socket holds its connection slot (the per-client connection limit and
// cinestream_connections_open) like an SSE stream; incoming messages are limited in size (a
// larger frame or message is closed with 1009 "message too big") and in number waiting for
// receive(); outgoing messages wait in a queue bounded in bytes: a client that does not read fills
// it and is disconnected (never unbounded memory); each write has the server's write timeout; the
// client must answer pings (sent when it has been quiet for half the idle timeout), else it is
// closed; a server drain closes every socket with 1001 "going away".
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::http {

struct WebSocketOptions {
  // Origins a page may open a socket from ("https://cinema.example"); empty: the request's Host.
  std::vector<std::string> allowed_origins{};
  // The largest incoming message (and frame); larger: closed with 1009.
  std::size_t max_message = 64 * 1024;
  // Incoming messages waiting for receive(); more: closed with 1008 (a flood, or a handler that
  // does not read what its clients send).
  std::size_t receive_queue = 32;
  // Outgoing bytes queued and not yet written; more: the client is not reading, disconnected.
  std::size_t send_queue_bytes = 256 * 1024;
  // No frame from the client for this long (a ping is sent halfway through): closed.
  std::chrono::milliseconds idle_timeout{60'000};
  // The 101 answer, and the closing handshake.
  std::chrono::milliseconds handshake_timeout{10'000};
};

// Close codes the server uses (RFC 6455 §7.4.1).
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  policy_violation = 1008,
  too_big = 1009,
  internal_error = 1011,
};

// An open WebSocket as its handler sees it. Every member is called on the connection's loop (the
// handler's coroutine runs there); another thread posts to executor() first.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;

  // Queues a text message (UTF-8) for sending without waiting; false when the channel is closed,
  // or when the queue is over WebSocketOptions::send_queue_bytes: the client is not keeping up,
  // and it is disconnected.
  virtual bool send_text(std::string message) = 0;
  // The next message from the client; nullopt when the channel is closed or `timeout` passed
  // first (closed() tells which).
  virtual boost::asio::awaitable<std::optional<std::string>> receive(
      std::chrono::milliseconds timeout) = 0;
  // Starts the closing handshake; send_text() fails from now on. The handler returns soon after.
  virtual void close(CloseCode code, std::string_view reason = {}) = 0;

  // True once the channel is closing or closed (by either side, a timeout or the server's drain).
  virtual bool closed() const = 0;
  // True when the server is shutting down (the channel is then closed with 1001).
  virtual bool stopping() const = 0;
  // Called once, on the channel's loop, when the channel closes: a handler waiting for news wakes.
  // Replaces a previous callback; runs at once when the channel is already closed.
  virtual void on_close(std::function<void()> wake) = 0;
  // Outgoing bytes queued and not yet written.
  virtual std::size_t queued_bytes() const = 0;
  virtual boost::asio::any_io_executor executor() const = 0;
};

// Runs while the socket is open; the channel is valid until it returns.
using WebSocketHandler = std::function<boost::asio::awaitable<void>(WebSocketChannel&)>;

}  // namespace cinestream::http
