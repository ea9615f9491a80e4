#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <cctype>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cinestream/http/header_text.hpp"
#include "cinestream/http/middleware.hpp"
#include "websocket_session.hpp"

namespace cinestream::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace ws = boost::beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// A Sec-WebSocket-Key is 16 random bytes in base64: 24 characters, the last two "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  for (char c : key.substr(0, 22)) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
  }
  return true;
}

}  // namespace

std::optional<Response> websocket_refusal(const RequestContext& ctx,
                                          const WebSocketOptions& options, bool draining) {
  const Request& req = ctx.request;
  if (!ws::is_upgrade(req)) {
    auto res = error_response(Status::upgrade_required, "upgrade_required",
                              "this resource is a WebSocket: open it with an upgrade request");
    res.set(bh::field::upgrade, "websocket");
    res.set(bh::field::sec_websocket_version, "13");
    return res;
  }
  // RFC 6455 §4.4: a version the server does not speak is answered 426 with the one it does.
  if (req[bh::field::sec_websocket_version] != "13") {
    auto res = error_response(Status::upgrade_required, "websocket_version",
                              "only WebSocket version 13 is supported");
    res.set(bh::field::sec_websocket_version, "13");
    return res;
  }
  if (!valid_key(req[bh::field::sec_websocket_key])) {
    return error_response(Status::bad_request, "bad_websocket_handshake",
                          "Sec-WebSocket-Key must be 16 bytes in base64");
  }
  auto origin = req[bh::field::origin];
  if (origin.empty()) {
    // Browsers always send an Origin with a WebSocket: without one this is not a page, and a
    // browser's cookie has no business here (a non-browser client uses a Bearer token).
    if (ctx.principal && ctx.principal->from_cookie) {
      return error_response(Status::forbidden, "origin_required",
                            "a WebSocket signed in with the session cookie must send an Origin");
    }
  } else {
    bool allowed = false;
    if (options.allowed_origins.empty()) {
      allowed = middleware::origin_matches_host(origin, req[bh::field::host]);
    }
    for (const auto& o : options.allowed_origins) {
      if (iequals_ascii(origin, o)) allowed = true;
    }
    if (!allowed) {
      return error_response(Status::forbidden, "origin_rejected",
                            "this WebSocket must be opened from a page of this site");
    }
  }
  if (draining) {
    auto res = error_response(Status::service_unavailable, "unavailable",
                              "the server is shutting down; reconnect");
    res.set(bh::field::retry_after, "1");
    return res;
  }
  return std::nullopt;
}

namespace {

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// The channel and the two coroutines that keep it going: a reader that is always reading (control
// frames, pongs and the client's close are only seen while a read is pending; messages go to a
// bounded inbox) and a writer that sends the bounded outbox, then the close. Shared by both and by
// run_websocket, which waits for them to end.
class Channel final : public WebSocketChannel, public std::enable_shared_from_this<Channel> {
 public:
  Channel(tcp::socket s, const WebSocketRun& run)
      : ws_(std::move(s)),
        options_(run.options),
        write_timeout_(run.write_timeout),
        deadline_(run.deadline),
        draining_(run.draining),
        executor_(ws_.get_executor()),
        writer_wake_(ws_.get_executor()),
        inbox_wake_(ws_.get_executor()),
        done_wake_(ws_.get_executor()) {}

  tcp::socket& socket() { return ws_.next_layer(); }

  bool send_text(std::string message) override {
    if (closing_) return false;
    // One message larger than the bound may wait alone; anything more means the client is not
    // reading. A close frame could not get through either: the connection is cut.
    if (!outbox_.empty() && queued_ + message.size() > options_.send_queue_bytes) {
      spdlog::info("websocket: the client is not reading ({} bytes queued); disconnecting",
                   queued_);
      abort();
      return false;
    }
    queued_ += message.size();
    outbox_.push_back(std::move(message));
    writer_wake_.cancel();
    return true;
  }

  asio::awaitable<std::optional<std::string>> receive(std::chrono::milliseconds timeout) override {
    if (inbox_.empty() && !closing_) {
      inbox_wake_.expires_after(timeout);
      co_await inbox_wake_.async_wait(as_tuple_awaitable);
    }
    if (inbox_.empty()) co_return std::nullopt;
    auto message = std::move(inbox_.front());
    inbox_.pop_front();
    co_return message;
  }

  void close(CloseCode code, std::string_view reason) override {
    if (closing_) return;
    close_reason_ = ws::close_reason(static_cast<ws::close_code>(code), reason);
    mark_closing();
  }

  bool closed() const override { return closing_; }
  bool stopping() const override { return draining_.load(); }
  void on_close(std::function<void()> wake) override {
    if (closing_) {
      wake();
    } else {
      on_close_ = std::move(wake);
    }
  }
  std::size_t queued_bytes() const override { return queued_; }
  asio::any_io_executor executor() const override { return executor_; }

  asio::awaitable<void> serve(const WebSocketRun& run) {
    ws_.set_option(ws::stream_base::timeout{options_.handshake_timeout, options_.idle_timeout,
                                            /*keep_alive_pings=*/true});
    ws_.read_message_max(options_.max_message);
    // The 101 carries what the server and the middleware put on the reply's head, but not fields
    // of the handshake itself (Beast sets those).
    auto fields = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
    for (const auto& f : run.head) {
      switch (f.name()) {
        case bh::field::connection:
        case bh::field::upgrade:
        case bh::field::content_length:
        case bh::field::transfer_encoding:
        case bh::field::sec_websocket_accept:
        case bh::field::sec_websocket_extensions:
        case bh::field::sec_websocket_protocol:
          continue;
        default:
          fields->emplace_back(std::string(f.name_string()), std::string(f.value()));
      }
    }
    ws_.set_option(ws::stream_base::decorator([fields](ws::response_type& res) {
      for (const auto& [name, value] : *fields)
        res.set(name, value);
    }));
    auto [aec] = co_await ws_.async_accept(run.request, as_tuple_awaitable);
    deadline_ = kNoDeadline;
    if (aec) co_return;

    run.attach(&socket(), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->close(CloseCode::going_away, "server shutting down");
    });
    struct Detach {
      const WebSocketRun& run;
      ~Detach() { run.attach(nullptr, {}); }
    } detach{run};
    if (draining_) close(CloseCode::going_away, "server shutting down");

    running_ = 2;
    auto done = [self = shared_from_this()](std::exception_ptr) {
      --self->running_;
      self->done_wake_.cancel();
    };
    asio::co_spawn(ws_.get_executor(), read_loop(shared_from_this()), done);
    asio::co_spawn(ws_.get_executor(), write_loop(shared_from_this()), done);

    try {
      co_await run.handler(*this);
    } catch (const std::exception& e) {
      spdlog::error("websocket handler ended by an exception: {}", e.what());
      close(CloseCode::internal_error, {});
    }
    on_close_ = nullptr;  // it may refer to the handler's frame, gone now
    close(CloseCode::normal, {});

    // The closing handshake is bounded by Beast's handshake timeout and each write by the write
    // deadline; past both, the socket is cut and the loops end at once.
    auto until = Clock::now() + options_.handshake_timeout + write_timeout_;
    while (running_ > 0) {
      if (Clock::now() >= until) abort();
      done_wake_.expires_at(until);
      co_await done_wake_.async_wait(as_tuple_awaitable);
    }
  }

 private:
  static asio::awaitable<void> read_loop(std::shared_ptr<Channel> self) {
    beast::flat_buffer buffer;
    for (;;) {
      // Beast answers pings, completes a close the client starts, and fails a message over
      // read_message_max with 1009 (a frame header announcing more is enough).
      auto [ec, n] = co_await self->ws_.async_read(buffer, as_tuple_awaitable);
      (void)n;
      if (ec) break;
      if (self->inbox_.size() >= self->options_.receive_queue) {
        self->close(CloseCode::policy_violation, "too many unread messages");
      } else if (!self->closing_) {
        self->inbox_.push_back(beast::buffers_to_string(buffer.data()));
        self->inbox_wake_.cancel();
      }
      buffer.consume(buffer.size());
    }
    self->gone_ = true;
    self->mark_closing();
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<Channel> self) {
    auto& ws = self->ws_;
    ws.text(true);
    while (!self->gone_) {
      if (!self->outbox_.empty()) {
        self->deadline_ = Clock::now() + self->write_timeout_;
        auto [ec, n] =
            co_await ws.async_write(asio::buffer(self->outbox_.front()), as_tuple_awaitable);
        (void)n;
        self->deadline_ = kNoDeadline;
        if (ec) break;
        self->queued_ -= self->outbox_.front().size();
        self->outbox_.pop_front();
        continue;
      }
      if (self->close_reason_) {
        // What was queued before the close went first. Beast bounds the handshake.
        self->deadline_ = Clock::now() + self->write_timeout_ + self->options_.handshake_timeout;
        auto [ec] = co_await ws.async_close(*self->close_reason_, as_tuple_awaitable);
        (void)ec;
        self->deadline_ = kNoDeadline;
        break;
      }
      self->writer_wake_.expires_at(Clock::time_point::max());
      co_await self->writer_wake_.async_wait(as_tuple_awaitable);
    }
    self->gone_ = true;
    self->mark_closing();
    // The reader ends when the socket does (after the close handshake, or now).
    boost::system::error_code ignored;
    self->socket().close(ignored);
  }

  void mark_closing() {
    if (!closing_) {
      closing_ = true;
      if (!close_reason_) close_reason_ = ws::close_reason(ws::close_code::normal);
      if (auto wake = std::exchange(on_close_, nullptr)) wake();
    }
    writer_wake_.cancel();
    inbox_wake_.cancel();
  }

  // Cuts the connection without a closing handshake (it could not be written).
  void abort() {
    gone_ = true;
    mark_closing();
    boost::system::error_code ignored;
    socket().close(ignored);
  }

  ws::stream<tcp::socket> ws_;
  const WebSocketOptions& options_;
  std::chrono::milliseconds write_timeout_;
  Clock::time_point& deadline_;
  const std::atomic<bool>& draining_;
  asio::any_io_executor executor_;
  asio::steady_timer writer_wake_;
  asio::steady_timer inbox_wake_;
  asio::steady_timer done_wake_;
  std::deque<std::string> outbox_;
  std::size_t queued_ = 0;
  std::deque<std::string> inbox_;
  std::optional<ws::close_reason> close_reason_;
  std::function<void()> on_close_;
  bool closing_ = false;  // no more sending: closing or closed
  bool gone_ = false;     // the connection is no longer usable
  int running_ = 0;       // the reader and the writer
};

}  // namespace

asio::awaitable<void> run_websocket(tcp::socket socket, WebSocketRun run) {
  auto channel = std::make_shared<Channel>(std::move(socket), run);
  run.attach(&channel->socket(), {});
  // The handshake's write is bounded by Beast's handshake timeout, and by the deadline.
  run.deadline = Clock::now() + run.options.handshake_timeout;
  try {
    co_await channel->serve(run);
  } catch (const std::exception& e) {
    spdlog::error("websocket ended by an exception: {}", e.what());
  }
  run.deadline = kNoDeadline;
  run.attach(nullptr, {});
}

}  // namespace cinestream::http::detail
