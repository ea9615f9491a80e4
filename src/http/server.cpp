#include "cinestream/http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <tuple>

#include "cinestream/http/framing.hpp"
#include "cinestream/http/prebuilt.hpp"
#include "cinestream/http/query.hpp"
#include "websocket_session.hpp"

namespace cinestream::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

using Clock = std::chrono::steady_clock;
constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// A connection as its loop sees it: closed at once on drain when idle between requests, and by
// the loop's sweeper once the deadline of the operation it waits for has passed. Deadlines are
// plain time stamps checked lazily: no timer is armed and cancelled per request.
struct Server::Connection {
  tcp::socket* socket;
  bool idle;
  Clock::time_point deadline;    // kNoDeadline while nothing is awaited (or a handler runs)
  std::function<void()> stop{};  // a WebSocket's: closes it with 1001 on drain
};

struct Server::Loop {
  Loop(asio::io_context& ctx, std::size_t i, std::shared_ptr<std::atomic<std::size_t>> counter,
       std::chrono::milliseconds sweep, std::shared_ptr<AccessLog> log)
      : io(ctx),
        acceptor(ctx),
        index(i),
        sweep_every(sweep),
        active(std::move(counter)),
        access_log(std::move(log)) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  std::size_t index;
  std::chrono::milliseconds sweep_every;
  std::list<Connection> connections;                 // touched only on this loop's thread
  std::shared_ptr<std::atomic<std::size_t>> active;  // connections open on every loop
  std::shared_ptr<AccessLog> access_log;             // null when off; the sweeper flushes it
};

namespace {

// The Date header, formatted once a second per thread.
const std::string& http_date_now() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
  }
  return cached;
}

bool is_body_allowed(Status s) {
  auto code = static_cast<unsigned>(s);
  return code >= 200 && code != 204 && code != 304;
}

}  // namespace

void finalize_response(Response& res, std::string_view date, std::string_view request_id,
                       bool close, bool head) {
  res.version(11);
  if (res.find(bh::field::server) == res.end()) res.set(bh::field::server, "cinestream");
  res.set(bh::field::date, date);
  res.set("X-Request-Id", request_id);
  res.set("X-Content-Type-Options", "nosniff");
  if (is_body_allowed(res.result())) res.content_length(SharedBody::size(res.body()));
  if (head) res.body() = nullptr;
  res.keep_alive(!close);
}

std::string pick_request_id(std::string_view offered) {
  bool ok = !offered.empty() && offered.size() <= 128;
  for (char c : offered) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      ok = false;
      break;
    }
  }
  if (ok) return std::string(offered);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // 16 hex digits, by hand: this runs for nearly every request.
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4)
    id[static_cast<std::size_t>(i)] = kHex[v & 0xf];
  return id;
}

Server::Server(EventLoops& loops, const Router& router, HttpMetrics& metrics, ServerOptions options)
    : loops_(loops),
      router_(router),
      metrics_(metrics),
      options_(std::move(options)),
      limits_(std::make_shared<ClientLimits>(options_.limits)) {
  // The API is what costs (the store, scrapes); the page, its assets and posters are served from
  // memory or disk, and nginx serves them in production.
  if (options_.limits.requests_per_second > 0) {
    builtin_.push_back(middleware::api_rate_limit(limits_, "/api/"));
  }
  // Deadlines are checked this often: a tenth of the shortest timeout, 5 to 100 ms late at most.
  auto shortest =
      std::min({options_.header_timeout, options_.idle_timeout, options_.write_timeout});
  auto sweep =
      std::clamp(shortest / 10, std::chrono::milliseconds(5), std::chrono::milliseconds(100));
  if (!options_.access_log) {
    options_.access_log_sink.reset();
  } else if (!options_.access_log_sink) {
    options_.access_log_sink = std::make_shared<AccessLog>(AccessLogOptions{}, loops_.size());
  }
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    per_loop_.push_back(
        std::make_shared<Loop>(loops_.at(i), i, active_, sweep, options_.access_log_sink));
  }
}

Server::~Server() = default;

std::uint16_t Server::listen() {
  auto address = asio::ip::make_address(options_.host);
  std::uint16_t port = options_.port;
  for (auto& loop : per_loop_) {
    tcp::endpoint ep{address, port};
    loop->acceptor.open(ep.protocol());
    loop->acceptor.set_option(asio::socket_base::reuse_address(true));
    // Every loop (and every worker process) binds the same port; the kernel spreads connections.
    int one = 1;
    if (::setsockopt(loop->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) !=
        0) {
      throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
    }
    loop->acceptor.bind(ep);
    loop->acceptor.listen(asio::socket_base::max_listen_connections);
    port = loop->acceptor.local_endpoint().port();
  }
  return port;
}

void Server::start() {
  for (auto& loop : per_loop_) {
    asio::co_spawn(loop->io, sweep_deadlines(loop), asio::detached);
    asio::co_spawn(loop->io, accept_loop(loop), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("accept loop ended: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> Server::sweep_deadlines(std::shared_ptr<Loop> loop) {
  asio::steady_timer timer(loop->io);
  // Ends once the listener is closed and the last connection is gone (after a drain).
  while (loop->acceptor.is_open() || !loop->connections.empty()) {
    timer.expires_after(loop->sweep_every);
    auto [ec] = co_await timer.async_wait(as_tuple_awaitable);
    if (ec) co_return;
    auto now = Clock::now();
    if (loop->access_log) loop->access_log->tick(loop->index, now);
    for (auto& c : loop->connections) {
      if (c.deadline <= now) {
        // Timed out: closing ends the pending operation; the session sees an error and leaves.
        c.deadline = kNoDeadline;
        boost::system::error_code ignored;
        c.socket->close(ignored);
      }
    }
  }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Loop> loop) {
  asio::steady_timer backoff(loop->io);
  while (loop->acceptor.is_open()) {
    auto [ec, socket] = co_await loop->acceptor.async_accept(as_tuple_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !loop->acceptor.is_open()) co_return;
      // Out of descriptors or memory: back off instead of spinning; existing clients go on.
      spdlog::warn("accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(as_tuple_awaitable);
      continue;
    }
    asio::co_spawn(loop->io, session(std::move(socket), loop), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("connection ended by an exception: {}", ex.what());
      }
    });
  }
}

// One request between its header and its answer.
struct Server::Exchange {
  std::optional<Target> target;
  RouteMatch match;
  PathParams params;
};

void Server::route(const Request& req, Exchange& ex) const {
  ex.target = parse_target(req.target());
  if (ex.target) ex.match = router_.match(req.method(), ex.target->path, ex.params);
}

asio::awaitable<Reply> Server::dispatch(const Request& req, Exchange& ex,
                                        const asio::ip::address& remote, std::string& request_id) {
  if (!ex.target) {
    co_return error_response(Status::bad_request, "bad_target",
                             "the request target is not a valid path");
  }
  auto& match = ex.match;
  const Handler* handler = match.handler;
  if (!handler && match.status == Status::not_found &&
      (req.method() == bh::verb::get || req.method() == bh::verb::head)) {
    handler = router_.fallback();
  }
  if (!handler) {
    if (match.status == Status::method_not_allowed) {
      auto res = error_response(Status::method_not_allowed, "method_not_allowed",
                                fmt::format("{} is not allowed here; use {}",
                                            std::string_view(req.method_string()), match.allow));
      res.set(bh::field::allow, match.allow);
      co_return res;
    }
    co_return error_response(Status::not_found, "not_found", "no such resource");
  }
  // Handlers see the client, not the proxy in front of it.
  auto client = limits_->client_of(remote, req["X-Real-IP"], req["X-Forwarded-For"]);
  RequestContext ctx(req, *ex.target, request_id, client);
  // TLS ends at the proxy: only a trusted one may say the visitor's request came over it.
  ctx.secure = limits_->is_trusted_proxy(remote) && forwarded_over_tls(req);
  ctx.params = ex.params;
  ctx.route_index = match.handler ? match.route_index : 0;
  MiddlewareChain chain;
  chain.parts[0] = builtin_;
  chain.parts[1] = router_.middleware();
  const auto* options = match.handler ? match.options : nullptr;
  auto method = req.method();
  bool unsafe = method != bh::verb::get && method != bh::verb::head && method != bh::verb::options;
  if (const auto* csrf = router_.csrf_check();
      csrf && unsafe && !(options && options->csrf_exempt)) {
    chain.parts[2] = std::span<const Middleware>(csrf, 1);
  }
  if (options) chain.parts[3] = options->middleware;
  chain.handler = handler;
  std::exception_ptr failure;
  try {
    Reply reply;
    // Without middleware the handler runs directly: no frame more than before.
    if (chain.empty()) {
      reply = co_await (*handler)(ctx);
    } else {
      reply = co_await run_chain(chain, ctx);
    }
    // The handler accepted the caller (its middleware ran): now whether this request may upgrade.
    if (reply.kind() == Reply::Kind::websocket) {
      if (auto refusal = detail::websocket_refusal(ctx, options_.websocket, draining_)) {
        co_return std::move(*refusal);
      }
    }
    co_return reply;
  } catch (...) {
    failure = std::current_exception();
  }
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    if (const auto* mapped = router_.errors().find(e)) {
      spdlog::warn("request_id={} {} ({}): {}", request_id, mapped->code,
                   static_cast<unsigned>(mapped->status), e.what());
      co_return ErrorMap::respond(*mapped);
    }
    spdlog::error("request_id={} handler failed: {}", request_id, e.what());
  } catch (...) {
    spdlog::error("request_id={} handler failed: an exception that is not a std::exception",
                  request_id);
  }
  co_return ErrorMap::internal_error();
}

asio::awaitable<void> Server::session(tcp::socket socket, std::shared_ptr<Loop> loop_ptr) {
  Loop& loop = *loop_ptr;
  ++*loop.active;
  loop.connections.push_back({&socket, true, kNoDeadline});
  auto self = std::prev(loop.connections.end());
  struct Leave {
    Loop& loop;
    std::list<Connection>::iterator it;
    ~Leave() {
      loop.connections.erase(it);
      --*loop.active;
    }
  } leave{loop, self};

  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec).address();
  Connection& conn = *self;
  // One address may hold only so many connections: a flood of idle sockets from one client
  // cannot take the slots of everyone else.
  auto limits = limits_;
  auto slot = limits->open_connection(remote);
  if (!slot) {
    static const std::string refusal = [] {
      std::string body =
          R"({"error":{"code":"too_many_connections","message":"this address has too many )"
          R"(open connections; close some and retry"}})";
      return fmt::format(
          "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; "
          "charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: "
          "{}\r\n\r\n{}",
          body.size(), body);
    }();
    conn.deadline = Clock::now() + options_.write_timeout;
    auto buf = asio::buffer(refusal);
    co_await asio::async_write(socket, buf, as_tuple_awaitable);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  // Each response leaves in one write; do not let Nagle hold its last segment.
  socket.set_option(tcp::no_delay(true), ec);
  auto now = Clock::now();
  // Bounded: what must be whole in the buffer to be parsed (a header, a chunk line, the trailers)
  // fits in the header limit; a longer one is refused (431) instead of growing memory. Under
  // 64 KiB whatever the limit: Beast throws (from inside the read, where nothing can catch it)
  // on a field value of 64 KiB or more.
  beast::flat_buffer buffer(std::clamp<std::size_t>(options_.header_limit, 4096, 65'535));
  std::string fields;  // the per-request header fields of a prebuilt response, reused
  bool served = false;
  for (;;) {
    // Idle: wait for the first bytes of the next request under the idle deadline.
    if (buffer.size() == 0) {
      // Draining: a connection that was already answered closes; a new one gets its request read.
      if (draining_ && served) break;
      self->idle = true;
      conn.deadline = now + options_.idle_timeout;
      auto [rec, n] = co_await socket.async_read_some(buffer.prepare(4096), as_tuple_awaitable);
      conn.deadline = kNoDeadline;
      self->idle = false;
      if (rec) break;  // closed, idle timeout, or drained
      buffer.commit(n);
    }
    auto started = Clock::now();
    // The whole request (headers and body) must arrive within the header deadline.
    conn.deadline = started + options_.header_timeout;
    bh::request_parser<bh::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
    // The body limit is the route's: known once the header is in (checked below).
    parser.body_limit(boost::none);
    // Chunk extensions count with the header against the header limit: tiny chunks with long
    // extensions are framing, not body. (The bounded read buffer bounds one line, and trailers.)
    ChunkExtensionBudget extensions(options_.header_limit);
    parser.on_chunk_header(extensions);
    Exchange ex;
    std::size_t body_limit = options_.body_limit;
    std::optional<Response> refusal;
    boost::system::error_code hec;
    try {
      // Usually the whole header is in the buffer already (it came with the first read): parse it
      // here. Beast's composed read would do the same and then complete through the scheduler.
      std::size_t hn = 0;
      while (buffer.size() > 0 && !parser.is_header_done()) {
        auto used = parser.put(buffer.data(), hec);
        buffer.consume(used);
        hn += used;
        if (hec == bh::error::need_more) {
          hec = {};
          break;
        }
        if (hec || used == 0) break;
      }
      if (!hec && !parser.is_header_done()) {
        std::size_t rn = 0;
        std::tie(hec, rn) =
            co_await bh::async_read_header(socket, buffer, parser, as_tuple_awaitable);
        hn += rn;
      }
      if (!hec) {
        extensions.start(hn);
        refusal = framing_refusal(parser.get());
      }
      if (!hec && !refusal) {
        route(parser.get(), ex);
        if (ex.match.options && ex.match.options->body_limit) {
          body_limit = *ex.match.options->body_limit;
        }
        if (auto length = parser.content_length(); length && *length > body_limit) {
          hec = bh::error::body_limit;  // refused before a byte of it is read
        } else if (!parser.is_done()) {
          if (expects_continue(parser.get())) {
            // The client waits for this before sending the body (RFC 9110 §10.1.1).
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            auto [cec, cn] = co_await asio::async_write(
                socket, asio::buffer(kContinue.data(), kContinue.size()), as_tuple_awaitable);
            (void)cn;
            hec = cec;
          }
          if (!hec) {
            parser.body_limit(body_limit);  // a chunked body is counted as it comes
            auto [bec, bn] = co_await bh::async_read(socket, buffer, parser, as_tuple_awaitable);
            (void)bn;
            hec = bec;
          }
        }
      }
    } catch (const std::exception& e) {
      // A limit the parser throws rather than reports, while parsing bytes already buffered when
      // a read starts: refused like any malformed request, not a lost connection.
      spdlog::warn("malformed request refused: {}", e.what());
      refusal = error_response(Status::bad_request, "bad_request", "malformed HTTP request");
      hec = {};
    }
    conn.deadline = kNoDeadline;
    // A closed socket (the sweeper's timeout) reads as bad_descriptor or operation_aborted.
    const bool timed_out = !socket.is_open();
    std::string request_id;
    Reply reply;
    bool close_after = false;
    if (refusal) {
      reply = std::move(*refusal);
      request_id = pick_request_id({});
      close_after = true;  // the framing is in doubt: nothing after it can be trusted
    } else if (hec) {
      if (hec == bh::error::header_limit || hec == bh::error::buffer_overflow) {
        reply = error_response(Status::request_header_fields_too_large, "headers_too_large",
                               "the request headers, chunk extensions or trailers are too large");
      } else if (hec == bh::error::body_limit) {
        reply = error_response(Status::payload_too_large, "body_too_large",
                               fmt::format("the request body is over {} bytes", body_limit));
      } else if (timed_out || hec == asio::error::eof || hec == asio::error::connection_reset ||
                 hec == bh::error::end_of_stream || hec == asio::error::operation_aborted) {
        break;  // nothing useful to answer
      } else {
        reply = error_response(Status::bad_request, "bad_request", "malformed HTTP request");
      }
      request_id = pick_request_id({});
      close_after = true;
    } else {
      const Request& req = parser.get();
      request_id = pick_request_id(req["X-Request-Id"]);
      reply = co_await dispatch(req, ex, remote, request_id);
      close_after = !req.keep_alive();
    }
    std::size_t route_index = ex.match.route_index;
    if (draining_) close_after = true;

    const bool parsed = !hec && !refusal;
    const bool head = parsed && parser.get().method() == bh::verb::head;
    const bool prebuilt = reply.kind() == Reply::Kind::prebuilt;
    const auto status_code = reply.status();
    const bool streaming = reply.kind() == Reply::Kind::stream && status_code == Status::ok;
    const bool upgrading = reply.kind() == Reply::Kind::websocket;
    Response* res = reply.response();
    if (res) finalize_response(*res, http_date_now(), request_id, close_after, head);

    // Counted before the write: a client that reads /metrics right after its answer sees it.
    auto status = static_cast<unsigned>(status_code);
    now = Clock::now();
    metrics_.observe(loop.index, route_index, status,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(now - started));
    if (streaming || upgrading) {
      // One line when the connection is handed over: its end is not a request's.
      if (loop.access_log) {
        loop.access_log->write(loop.index, {.request_id = request_id,
                                            .remote = remote,
                                            .method = "GET",
                                            .target = parser.get().target(),
                                            .status = status,
                                            .stream = true});
      }
      if (streaming) {
        co_await stream_events(socket, conn, *res, reply.producer(), head);
        break;
      }
      // Still this connection (its slot and its place in the loop's list), another protocol.
      ++*websockets_;
      struct Count {  // shared: the frame may be destroyed with its loop, after the server
        std::shared_ptr<std::atomic<std::size_t>> n;
        ~Count() { --*n; }
      } count{websockets_};
      co_await detail::run_websocket(
          std::move(socket),
          {.request = parser.get(),
           .head = *res,
           .handler = reply.websocket_handler(),
           .options = options_.websocket,
           .write_timeout = options_.write_timeout,
           .deadline = conn.deadline,
           .draining = draining_,
           .attach = [&conn, &socket](tcp::socket* s, std::function<void()> stop) {
             conn.socket = s ? s : &socket;
             conn.stop = std::move(stop);
           }});
      break;
    }
    conn.deadline = now + options_.write_timeout;
    boost::system::error_code wec;
    std::size_t wn = 0;
    if (prebuilt) {
      // Ready header bytes, the per-request fields and the shared body in one gather write.
      const auto& bytes = reply.prebuilt_bytes();
      format_request_fields(fields, http_date_now(), request_id);
      std::string_view end = close_after ? "Connection: close\r\n\r\n" : "\r\n";
      const auto& body = bytes.body;
      std::array<asio::const_buffer, 5> parts{
          asio::buffer(bytes.head), asio::buffer(fields), asio::buffer(bytes.tail),
          asio::buffer(end.data(), end.size()),
          (body && !head) ? asio::buffer(*body) : asio::const_buffer()};
      std::tie(wec, wn) = co_await asio::async_write(socket, parts, as_tuple_awaitable);
    } else {
      std::tie(wec, wn) = co_await bh::async_write(socket, *res, as_tuple_awaitable);
    }
    conn.deadline = kNoDeadline;
    now = Clock::now();
    auto elapsed = now - started;
    if (loop.access_log) {
      const auto& req = parser.get();
      std::string write_error = wec ? wec.message() : std::string();
      loop.access_log->write(
          loop.index,
          {.request_id = request_id,
           .remote = remote,
           .method = hec ? std::string_view() : std::string_view(req.method_string()),
           .target = hec ? std::string_view() : std::string_view(req.target()),
           .user_agent = hec ? std::string_view() : std::string_view(req[bh::field::user_agent]),
           .status = status,
           .bytes = wn,
           .duration = std::chrono::duration_cast<std::chrono::microseconds>(elapsed),
           .write_error = write_error});
    }
    served = true;
    if (wec || close_after) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

namespace {

// Reads from a streaming connection only to see the client go (EOF or reset), so a stream whose
// reader left ends at once rather than at its next write. Lives on the connection's loop; once
// `stopped` is set (before the socket closes) a late completion touches nothing but itself.
struct ClientWatch : std::enable_shared_from_this<ClientWatch> {
  explicit ClientWatch(tcp::socket& s) : socket(s) {}
  tcp::socket& socket;
  std::array<char, 256> ignored{};
  bool gone = false;
  bool stopped = false;
  std::function<void()> wake;
  void arm() {
    socket.async_read_some(asio::buffer(ignored),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (self->stopped) return;
                             if (!ec) {  // bytes a stream's client has no reason to send: dropped
                               self->arm();
                               return;
                             }
                             self->gone = true;
                             if (auto w = std::exchange(self->wake, nullptr)) w();
                           });
  }
};

// The open connection as an SSE sink: every write has the write deadline.
class SocketSink final : public EventSink {
 public:
  SocketSink(tcp::socket& socket, Clock::time_point& deadline, std::chrono::milliseconds timeout,
             const std::atomic<bool>& stopping, std::shared_ptr<ClientWatch> watch)
      : socket_(socket),
        deadline_(deadline),
        timeout_(timeout),
        stopping_(stopping),
        watch_(std::move(watch)) {}
  bool closed() const override { return broken_ || watch_->gone; }
  void on_close(std::function<void()> wake) override {
    if (watch_->gone) {
      wake();
    } else {
      watch_->wake = std::move(wake);
    }
  }
  asio::awaitable<bool> send(std::string_view bytes) override {
    if (broken_) co_return false;
    deadline_ = Clock::now() + timeout_;
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                                              as_tuple_awaitable);
    (void)n;
    deadline_ = kNoDeadline;
    broken_ = static_cast<bool>(ec);
    co_return !broken_;
  }
  bool stopping() const override { return stopping_.load(); }

 private:
  tcp::socket& socket_;
  Clock::time_point& deadline_;
  std::chrono::milliseconds timeout_;
  const std::atomic<bool>& stopping_;
  std::shared_ptr<ClientWatch> watch_;
  bool broken_ = false;
};

}  // namespace

asio::awaitable<void> Server::stream_events(tcp::socket& socket, Connection& conn, Response& res,
                                            const StreamProducer& producer, bool head_only) {
  // The body runs until the producer ends: no length, no keep-alive, the close delimits it.
  res.erase(bh::field::content_length);
  res.keep_alive(false);
  res.set(bh::field::cache_control, "no-store");
  res.set("X-Accel-Buffering", "no");  // nginx: pass events through as they come
  res.body() = nullptr;
  bh::response_serializer<SharedBody> head{res};
  conn.deadline = Clock::now() + options_.write_timeout;
  auto [ec, n] = co_await bh::async_write_header(socket, head, as_tuple_awaitable);
  (void)n;
  conn.deadline = kNoDeadline;
  if (ec || head_only)
    co_return;  // HEAD: the header only; the producer (and its queries) never runs
  auto watch = std::make_shared<ClientWatch>(socket);
  watch->arm();
  struct Unwatch {
    ClientWatch& w;
    ~Unwatch() {
      w.stopped = true;
      w.wake = nullptr;
      boost::system::error_code ignored;
      w.socket.cancel(ignored);
    }
  } unwatch{*watch};
  SocketSink sink(socket, conn.deadline, options_.write_timeout, draining_, watch);
  try {
    co_await producer(sink);
  } catch (const std::exception& e) {
    spdlog::error("event stream ended by an exception: {}", e.what());
  }
}

asio::awaitable<void> Server::drain(std::chrono::milliseconds deadline) {
  draining_ = true;
  for (auto& loop : per_loop_) {
    asio::post(loop->io, [this, l = loop] {
      // Connections the kernel already queued on this listener would be reset by closing it:
      // take them first (they get one answer with Connection: close), then close.
      boost::system::error_code ec;
      l->acceptor.non_blocking(true, ec);
      for (int taken = 0; taken < 10'000; ++taken) {
        tcp::socket socket(l->io);
        l->acceptor.accept(socket, ec);
        if (ec) break;
        asio::co_spawn(l->io, session(std::move(socket), l), asio::detached);
      }
      l->acceptor.close(ec);
      for (auto& c : l->connections) {
        if (c.idle) c.socket->cancel(ec);
        if (c.stop) c.stop();  // WebSockets close with 1001 going away
      }
    });
  }
  auto until = std::chrono::steady_clock::now() + deadline;
  asio::steady_timer tick(co_await asio::this_coro::executor);
  while (active_->load() > 0 && std::chrono::steady_clock::now() < until) {
    tick.expires_after(std::chrono::milliseconds(10));
    co_await tick.async_wait(as_tuple_awaitable);
  }
  if (active_->load() > 0) {
    spdlog::warn("shutdown deadline passed with {} connections open; closing them",
                 active_->load());
    for (auto& loop : per_loop_) {
      asio::post(loop->io, [l = loop.get()] {
        boost::system::error_code ignored;
        for (auto& c : l->connections)
          c.socket->cancel(ignored);
      });
    }
  }
}

}  // namespace cinestream::http
