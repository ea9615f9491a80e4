#pragma once
// What a handler returns: one of
//   - a buffered Response (a Beast message; the server adds the per-request fields and writes it),
//   - prebuilt bytes (a cached page: head, tail and a shared body written in one gather write,
//     see prebuilt.hpp), or
//   - a stream (Server-Sent Events): the response head, then a producer that sends as it goes, or
//   - a WebSocket: the handler that runs once the connection is upgraded (see websocket.hpp).
// A Response converts implicitly, so `co_return error_response(...)` stays as it was.
#include <memory>
#include <utility>
#include <variant>

#include "cinestream/http/event_stream.hpp"
#include "cinestream/http/prebuilt.hpp"
#include "cinestream/http/response.hpp"
#include "cinestream/http/websocket.hpp"

namespace cinestream::http {

class Reply {
 public:
  enum class Kind { buffered, prebuilt, stream, websocket };

  Reply() : v_(Response{}) {}
  Reply(Response res) : v_(std::move(res)) {}  // NOLINT: implicit on purpose

  // Ready bytes shared with their owner (a cache entry); no copy, no header map per request.
  static Reply prebuilt(std::shared_ptr<const PrebuiltResponse> bytes) {
    Reply r;
    r.v_.emplace<Prebuilt>(Prebuilt{std::move(bytes)});
    return r;
  }
  // `head` is sent without a length (the close ends the body), then `producer` runs. A head
  // whose status is not 200 is sent as a buffered response and the producer never runs.
  static Reply stream(Response head, StreamProducer producer) {
    Reply r;
    r.v_.emplace<Stream>(Stream{std::move(head), std::move(producer)});
    return r;
  }

  // Upgrades the request to a WebSocket and runs `handler` on it; the server answers an unsuitable
  // request (not an upgrade, a malformed handshake, a refused Origin) with an error instead. Fields
  // middleware sets on the head (response()) go out with the 101 answer.
  static Reply websocket(WebSocketHandler handler) {
    Reply r;
    r.v_.emplace<WebSocket>(
        WebSocket{Response{Status::switching_protocols, 11}, std::move(handler)});
    return r;
  }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  Status status() const {
    switch (kind()) {
      case Kind::prebuilt:
        return std::get<Prebuilt>(v_).bytes->status;
      case Kind::stream:
        return std::get<Stream>(v_).head.result();
      case Kind::websocket:
        return std::get<WebSocket>(v_).head.result();
      case Kind::buffered:
        break;
    }
    return std::get<Response>(v_).result();
  }
  // The message of a buffered reply, or the head of a stream; null for prebuilt bytes (they
  // cannot be changed: middleware that adds headers must leave them alone).
  Response* response() {
    if (auto* r = std::get_if<Response>(&v_)) return r;
    if (auto* s = std::get_if<Stream>(&v_)) return &s->head;
    if (auto* w = std::get_if<WebSocket>(&v_)) return &w->head;
    return nullptr;
  }
  // Precondition: kind() == Kind::prebuilt.
  const PrebuiltResponse& prebuilt_bytes() const { return *std::get<Prebuilt>(v_).bytes; }
  // Precondition: kind() == Kind::stream.
  const StreamProducer& producer() const { return std::get<Stream>(v_).producer; }
  // Precondition: kind() == Kind::websocket.
  const WebSocketHandler& websocket_handler() const { return std::get<WebSocket>(v_).handler; }

 private:
  struct Prebuilt {
    std::shared_ptr<const PrebuiltResponse> bytes;
  };
  struct Stream {
    Response head;
    StreamProducer producer;
  };
  struct WebSocket {
    Response head;
    WebSocketHandler handler;
  };
  std::variant<Response, Prebuilt, Stream, WebSocket> v_;
};

}  // namespace cinestream::http
