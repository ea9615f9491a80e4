// The request target: parse_target (path and query decoding, dot segments, NUL) and the router.
// Invariants: an accepted target has a clean path; re-encoding what was decoded parses back to the
// same Target; every route match is consistent (its template with the captured parameters put
// back is the path; an {x:int} parameter parses).
// The same bytes as a whole request, read as the server reads one (a bounded buffer, the header
// limit, chunk extensions counted against it, trailers within the buffer, the framing rules):
// nothing throws; a request accepted is framed by Content-Length or by a lone chunked coding, its
// extensions and body within their limits; a refusal is a 400 or 501.
#include <boost/beast/http.hpp>
#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "cinestream/http/framing.hpp"
#include "cinestream/http/query.hpp"
#include "cinestream/http/router.hpp"
#include "fuzz_check.hpp"

namespace {
using cinestream::http::Handler;
using cinestream::http::Router;
using cinestream::http::Status;
using cinestream::http::Verb;

std::string encode(std::string_view s, bool keep_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
    if (plain) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// The API's route shapes (exact, templates, a catch-all, same path with two methods); handlers
// are never called.
const Router& router() {
  static const Router r = [] {
    Router out;
    Handler none;
    out.add(Verb::get, "/api/locations", none);
    out.add(Verb::get, "/api/showtimes", none);
    out.add(Verb::get, "/api/movies", none);
    out.add(Verb::post, "/api/scrape", none);
    out.add(Verb::get, "/api/scrape/status/{city}", none);
    out.add(Verb::get, "/api/scrape/events/{city}", none);
    out.add(Verb::get, "/api/session", none);
    out.add(Verb::post, "/api/session", none);
    out.add(Verb::get, "/posters/{file}", none);
    out.add(Verb::get, "/api/cinemas/{id:int}/screens/{screen}", none);
    out.add(Verb::get, "/api/{rest*}", none);
    out.add(Verb::get, "/healthz", none);
    return out;
  }();
  return r;
}

// Small limits, so short inputs reach them.
constexpr std::size_t kHeaderLimit = 512;
constexpr std::size_t kBodyLimit = 256;

void check_request_framing(std::string_view raw) {
  namespace bh = boost::beast::http;
  bh::request_parser<bh::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  // Not eager: the header alone first, as the server reads it before the framing check.
  parser.eager(false);
  cinestream::http::ChunkExtensionBudget extensions(kHeaderLimit);
  parser.on_chunk_header(extensions);
  // The server's read buffer: at most the header limit unparsed; more arrives as it is used.
  std::string buffer;
  std::size_t fed = 0;
  std::size_t consumed = 0;
  boost::system::error_code ec;
  bool header_checked = false;
  for (;;) {
    auto room = kHeaderLimit - buffer.size();
    auto take = std::min(room, raw.size() - fed);
    buffer.append(raw.substr(fed, take));
    fed += take;
    auto used = parser.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    consumed += used;
    if (!ec && parser.is_header_done() && !header_checked) {
      header_checked = true;
      extensions.start(consumed);
      if (auto refusal = cinestream::http::framing_refusal(parser.get())) {
        auto status = refusal->result();
        FUZZ_CHECK(status == bh::status::bad_request || status == bh::status::not_implemented);
        return;
      }
    }
    if (ec == bh::error::need_more) {
      if (fed == raw.size() || buffer.size() == kHeaderLimit) return;  // ends, or overflows
      ec = {};
      continue;
    }
    if (ec || parser.is_done()) break;
    if (used == 0 && (fed == raw.size() || buffer.size() == kHeaderLimit)) return;  // stuck
  }
  if (ec) return;
  const auto& req = parser.get();
  FUZZ_CHECK(req.body().size() <= kBodyLimit);
  FUZZ_CHECK(extensions.used() <= kHeaderLimit);
  if (req.count(bh::field::transfer_encoding) != 0) {
    FUZZ_CHECK(parser.chunked());
    FUZZ_CHECK(req.count(bh::field::content_length) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  check_request_framing(raw);
  auto target = cinestream::http::parse_target(raw);
  if (!target) return 0;
  const auto& path = target->path;
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(path.find('\0') == std::string::npos);
  for (std::size_t pos = 0; pos <= path.size();) {
    auto next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    std::string_view seg(path.data() + pos, next - pos);
    FUZZ_CHECK(seg != "." && seg != "..");
    pos = next + 1;
  }

  // Round trip: what was decoded, encoded again, decodes to the same thing.
  std::string again = encode(path, true);
  if (!target->params.empty()) {
    again += '?';
    for (std::size_t i = 0; i < target->params.size(); ++i) {
      if (i) again += '&';
      again +=
          encode(target->params[i].first, false) + "=" + encode(target->params[i].second, false);
    }
  }
  auto reparsed = cinestream::http::parse_target(again);
  FUZZ_CHECK(reparsed.has_value());
  FUZZ_CHECK(reparsed->path == path);
  FUZZ_CHECK(reparsed->params == target->params);

  // param() answers the first value of a key.
  for (const auto& [key, value] : target->params) {
    auto got = target->param(key);
    FUZZ_CHECK(got.has_value());
    for (const auto& [k, v] : target->params) {
      if (k == key) {
        FUZZ_CHECK(*got == v);
        break;
      }
    }
  }

  for (Verb verb : {Verb::get, Verb::head, Verb::post, Verb::delete_}) {
    cinestream::http::PathParams params;
    auto m = router().match(verb, path, params);
    const auto& names = router().route_names();
    FUZZ_CHECK(m.route_index < names.size());
    if (m.status == Status::ok) {
      FUZZ_CHECK(m.handler != nullptr);
      // Put the captured values back into the template: it must give the path.
      const auto& name = names[m.route_index];
      std::string rebuilt;
      for (std::size_t pos = 0; pos < name.size();) {
        if (name[pos] != '{') {
          rebuilt.push_back(name[pos++]);
          continue;
        }
        auto close = name.find('}', pos);
        FUZZ_CHECK(close != std::string::npos);
        std::string_view inner(name.data() + pos + 1, close - pos - 1);
        bool is_int = inner.ends_with(":int");
        auto param = inner.substr(0, inner.find_first_of(":*"));
        auto value = params.get(param);
        FUZZ_CHECK(!value.empty());
        if (is_int) FUZZ_CHECK(cinestream::http::parse_int_param(value).has_value());
        rebuilt += value;
        pos = close + 1;
      }
      FUZZ_CHECK(rebuilt == path);
    } else if (m.status == Status::method_not_allowed) {
      FUZZ_CHECK(m.handler == nullptr);
      FUZZ_CHECK(!m.allow.empty());
    } else {
      FUZZ_CHECK(m.status == Status::not_found);
      FUZZ_CHECK(m.handler == nullptr);
    }
  }
  return 0;
}
