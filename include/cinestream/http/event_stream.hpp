#pragma once
// Responses that stay open and send as they go (Server-Sent Events). A handler returns
// Reply::stream(head, producer); the server writes the head, then hands the connection to the
// producer through an EventSink, and closes the connection when the producer returns.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string_view>

namespace cinestream::http {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Sends bytes as they are; false once the client is gone (or a write timed out).
  virtual boost::asio::awaitable<bool> send(std::string_view bytes) = 0;
  // True when the server is shutting down: producers should finish.
  virtual bool stopping() const = 0;
  // True once the client has gone (closed its end), seen without waiting for a write to fail.
  virtual bool closed() const { return false; }
  // Called once, on the sink's loop, when the client goes: a producer waiting for news wakes.
  virtual void on_close(std::function<void()> wake) { (void)wake; }

  // One SSE event: "event: <name>\ndata: <data>\n\n".
  boost::asio::awaitable<bool> event(std::string_view name, std::string_view data);
};

using StreamProducer = std::function<boost::asio::awaitable<void>(EventSink&)>;

}  // namespace cinestream::http
