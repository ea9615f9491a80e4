#pragma once
// A response whose header bytes are built once (per cache entry) and written with one gather
// write: no Beast serializer, no header map and no copy of the body per request. The server
// adds only what changes per request (Date, X-Request-Id, Connection: close).
#include <memory>
#include <string>
#include <string_view>

#include "cinestream/http/response.hpp"

namespace cinestream::http {

struct PrebuiltResponse {
  Status status = Status::ok;
  // Status line and every header that comes before Date, each ending in CRLF.
  std::string head;
  // Headers after X-Request-Id (X-Content-Type-Options, Content-Length), each ending in CRLF.
  std::string tail;
  std::shared_ptr<const std::string> body;  // null when there is none (304)
};

// The bytes the server would send for `res` (as a handler returns it), split around the
// per-request fields. finalize_response() in server.hpp is the reference it must match.
PrebuiltResponse prebuild(const Response& res);

// "Date: <date>\r\nX-Request-Id: <id>\r\n" into `out` (cleared first; no allocation once it has
// grown).
void format_request_fields(std::string& out, std::string_view date, std::string_view request_id);

}  // namespace cinestream::http
