#pragma once
// The server's side of Reply::websocket (see include/cinestream/http/websocket.hpp): the checks
// before the upgrade, and the upgraded connection.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

#include "cinestream/http/request_context.hpp"
#include "cinestream/http/response.hpp"
#include "cinestream/http/websocket.hpp"

namespace cinestream::http::detail {

// The answer for a WebSocket route's request that must not be upgraded (426, 400, 403, 503), or
// nullopt when the upgrade may go ahead.
std::optional<Response> websocket_refusal(const RequestContext& ctx,
                                          const WebSocketOptions& options, bool draining);

struct WebSocketRun {
  const Request& request;
  const Response& head;  // its fields (but the handshake's own) go out with the 101
  const WebSocketHandler& handler;
  const WebSocketOptions& options;
  std::chrono::milliseconds write_timeout;
  // The connection's deadline: the loop's sweeper closes the socket once it passes.
  std::chrono::steady_clock::time_point& deadline;
  const std::atomic<bool>& draining;
  // Told where the socket lives now and how to close the channel with 1001 (for a drain); told
  // again with (nullptr, {}) before the channel goes.
  std::function<void(boost::asio::ip::tcp::socket*, std::function<void()>)> attach;
};

// Answers 101 and runs the handler until it returns and the socket is closed. Returns when
// nothing refers to the socket any more.
boost::asio::awaitable<void> run_websocket(boost::asio::ip::tcp::socket socket, WebSocketRun run);

}  // namespace cinestream::http::detail
