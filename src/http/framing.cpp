#include "cinestream/http/framing.hpp"
#include "cinestream/http/header_text.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace cinestream::http {

namespace bh = boost::beast::http;

std::optional<Response> framing_refusal(const Request& req) {
  if (req.version() >= 11 && req.count(bh::field::host) != 1) {
    return error_response(Status::bad_request, "bad_host",
                          "an HTTP/1.1 request needs exactly one Host header");
  }
  if (req.count(bh::field::transfer_encoding) == 0) return std::nullopt;
  if (req.version() < 11 || req.count(bh::field::content_length) != 0) {
    return error_response(Status::bad_request, "bad_transfer_encoding",
                          "Transfer-Encoding needs HTTP/1.1 and no Content-Length");
  }
  static constexpr std::array<std::string_view, 6> kKnown{"chunked", "gzip",     "x-gzip",
                                                          "deflate", "compress", "x-compress"};
  std::vector<std::string_view> codings;
  auto [first, last] = req.equal_range(bh::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    std::string_view list = field->value();
    while (!list.empty()) {
      auto comma = list.find(',');
      auto item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      item = trim_ows(item.substr(0, item.find(';')));  // parameters do not change the coding
      if (!item.empty()) codings.push_back(item);
    }
  }
  bool unknown = std::any_of(codings.begin(), codings.end(), [](std::string_view c) {
    return std::none_of(kKnown.begin(), kKnown.end(),
                        [&](std::string_view k) { return iequals_ascii(c, k); });
  });
  if (unknown) {
    return error_response(Status::not_implemented, "unsupported_transfer_encoding",
                          "only the chunked transfer coding is supported");
  }
  auto chunked = std::count_if(codings.begin(), codings.end(),
                               [](std::string_view c) { return iequals_ascii(c, "chunked"); });
  if (codings.empty() || chunked != 1 || !iequals_ascii(codings.back(), "chunked")) {
    return error_response(Status::bad_request, "bad_transfer_encoding",
                          "the final transfer coding of a request must be chunked, once");
  }
  if (codings.size() > 1) {
    return error_response(Status::not_implemented, "unsupported_transfer_encoding",
                          "only the chunked transfer coding is supported");
  }
  return std::nullopt;
}

bool expects_continue(const Request& req) {
  return req.version() >= 11 && iequals_ascii(trim_ows(req[bh::field::expect]), "100-continue");
}

bool forwarded_over_tls(const Request& req) {
  return iequals_ascii(trim_ows(req["X-Forwarded-Proto"]), "https");
}

void ChunkExtensionBudget::operator()(std::uint64_t, std::string_view extensions,
                                      boost::system::error_code& ec) {
  used_ += extensions.size();
  if (used_ > limit_) ec = bh::error::header_limit;
}

}  // namespace cinestream::http
