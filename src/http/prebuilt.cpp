#include "cinestream/http/prebuilt.hpp"

#include <fmt/format.h>

namespace cinestream::http {

namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

PrebuiltResponse prebuild(const Response& res) {
  PrebuiltResponse out;
  out.status = res.result();
  out.head = fmt::format("HTTP/1.1 {} {}\r\n", res.result_int(), std::string_view(res.reason()));
  for (const auto& f : res) {
    append_field(out.head, f.name_string(), f.value());
  }
  if (res.find(beast_http::field::server) == res.end()) {
    append_field(out.head, "Server", "cinestream");
  }
  append_field(out.tail, "X-Content-Type-Options", "nosniff");
  auto code = res.result_int();
  if (code >= 200 && code != 204 && code != 304) {
    append_field(out.tail, "Content-Length", fmt::format("{}", SharedBody::size(res.body())));
    out.body = res.body();
  }
  return out;
}

void format_request_fields(std::string& out, std::string_view date, std::string_view request_id) {
  out.clear();
  append_field(out, "Date", date);
  append_field(out, "X-Request-Id", request_id);
}

}  // namespace cinestream::http
