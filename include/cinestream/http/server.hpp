#pragma once
// The HTTP/1.1 server: one SO_REUSEPORT listener per event loop, one coroutine per connection.
// Keep-alive, a deadline for idle connections and one for reading a request, a header and body
// limit, X-Request-Id on every response, an access log line per request, and a graceful drain.
// A request: its header is read, its route found, its body read under the route's body limit;
// then the middleware chain and the handler run. An exception they let out is answered from the
// router's ErrorMap (else 500 internal_error) and logged once with the request id.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "cinestream/http/client_limits.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/http/websocket.hpp"
#include "cinestream/observability/access_log.hpp"
#include "cinestream/observability/metrics.hpp"
#include "cinestream/runtime/event_loops.hpp"

namespace cinestream::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;  // routes may set their own (RouteOptions::body_limit)
  bool access_log = true;
  // Where access lines go; null with access_log on: a logfmt log on standard error of its own.
  std::shared_ptr<AccessLog> access_log_sink{};
  ClientLimitOptions limits;  // per-client request rate and connection bound
  // Routes that answer Reply::websocket: allowed origins, message and queue bounds, timeouts.
  WebSocketOptions websocket{};
};

class Server {
 public:
  Server(EventLoops& loops, const Router& router, HttpMetrics& metrics, ServerOptions options);
  ~Server();

  // Binds a listener on every loop (the first picks the port when options.port is 0).
  // Returns the bound port. Throws on bind failure.
  std::uint16_t listen();
  // Starts accepting on every loop.
  void start();
  // Stops accepting, closes idle keep-alive connections, lets in-flight requests finish (their
  // responses carry Connection: close), and returns when none are left or `deadline` passed.
  boost::asio::awaitable<void> drain(std::chrono::milliseconds deadline);

  std::size_t active_connections() const { return active_->load(); }
  // Of those, the ones upgraded to a WebSocket.
  std::size_t open_websockets() const { return websockets_->load(); }

 private:
  struct Connection;
  struct Loop;
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Loop> loop);
  // Closes connections whose deadline has passed, every few milliseconds, on the loop's thread.
  static boost::asio::awaitable<void> sweep_deadlines(std::shared_ptr<Loop> loop);
  // Sessions share ownership of their loop's state: a session frame destroyed with its io_context
  // (after the Server is gone) still finds the list it must leave.
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket,
                                       std::shared_ptr<Loop> loop);
  struct Exchange;
  // Parses the target and finds the route once the header is in: the body limit is the route's.
  void route(const Request& req, Exchange& ex) const;
  boost::asio::awaitable<Reply> dispatch(const Request& req, Exchange& ex,
                                         const boost::asio::ip::address& remote,
                                         std::string& request_id);

  boost::asio::awaitable<void> stream_events(boost::asio::ip::tcp::socket& socket, Connection& conn,
                                             Response& res, const StreamProducer& producer,
                                             bool head_only);

  EventLoops& loops_;
  const Router& router_;
  HttpMetrics& metrics_;
  ServerOptions options_;
  std::vector<std::shared_ptr<Loop>> per_loop_;
  std::atomic<bool> draining_{false};
  // Shared with sessions, which may outlive the server (see session()).
  std::shared_ptr<ClientLimits> limits_;
  // The server's own middleware, before the router's: the per-client API rate limit.
  std::vector<Middleware> builtin_;
  std::shared_ptr<std::atomic<std::size_t>> active_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::shared_ptr<std::atomic<std::size_t>> websockets_ =
      std::make_shared<std::atomic<std::size_t>>(0);
};

// What the server adds to every response a handler returns: Server (unless set), Date,
// X-Request-Id, X-Content-Type-Options, Content-Length when a body is allowed, Connection: close
// when `close`; a HEAD answer keeps the length and loses the body. prebuild() must match it.
void finalize_response(Response& res, std::string_view date, std::string_view request_id,
                       bool close, bool head);

// Accepts a client's X-Request-Id when it is short and plain, else makes a new one.
std::string pick_request_id(std::string_view offered);

}  // namespace cinestream::http
