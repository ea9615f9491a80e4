#pragma once
// The HTTP/1.1 framing rules of RFC 9112 that Beast's parser leaves to the server, in one place
// for the server and the request fuzz target.
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "cinestream/http/response.hpp"

namespace cinestream::http {

// nullopt when the request's header frames it soundly, else the answer to send before closing:
// 400 bad_host unless an HTTP/1.1 request has exactly one Host (§3.2); a Transfer-Encoding only
// on HTTP/1.1, without Content-Length, with chunked as its final coding, once (§6.1, §6.3:
// 400 bad_transfer_encoding), and no coding but chunked (501 unsupported_transfer_encoding).
// Anything else would let a body be read as the next request.
std::optional<Response> framing_refusal(const Request& req);

// Expect: 100-continue on HTTP/1.1: the client waits for "100 Continue" before the body.
bool expects_continue(const Request& req);

// X-Forwarded-Proto: https (meaningful only from a trusted proxy).
bool forwarded_over_tls(const Request& req);

// Chunk extensions are framing, not body: with the header's bytes they stay within the header
// limit, however many chunks carry them. The parser's on_chunk_header callback (Beast keeps a
// reference: it must outlive the parse).
class ChunkExtensionBudget {
 public:
  explicit ChunkExtensionBudget(std::size_t limit) : limit_(limit) {}
  // The header took `header_bytes`; extensions count from there.
  // A header at (or, as the parser counts it, past) the limit leaves no room for extensions.
  void start(std::size_t header_bytes) { used_ = std::min(header_bytes, limit_); }
  void operator()(std::uint64_t size, std::string_view extensions, boost::system::error_code& ec);
  std::size_t used() const { return used_; }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
};

}  // namespace cinestream::http
