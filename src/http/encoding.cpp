#include "cinestream/http/encoding.hpp"
#include "cinestream/http/header_text.hpp"

#include <date/date.h>
#include <fmt/format.h>
#include <zlib.h>

#include <cctype>
#include <cstdint>
#include <stdexcept>

namespace cinestream::http {

std::string gzip_compress(std::string_view data, int level) {
  z_stream zs{};
  // 15 window bits + 16 selects the gzip wrapper.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(zs.total_out);
  return out;
}

namespace {

template <class F>
void for_each_item(std::string_view list, F f) {
  while (!list.empty()) {
    auto comma = list.find(',');
    f(trim_ows(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  bool ok = false;
  for_each_item(accept_encoding, [&](std::string_view item) {
    auto semi = item.find(';');
    auto coding = trim_ows(item.substr(0, semi));
    if (!iequals_ascii(coding, "gzip") && coding != "*") return;
    double q = 1.0;
    if (semi != std::string_view::npos) {
      auto param = trim_ows(item.substr(semi + 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        try {
          q = std::stod(std::string(param.substr(2)));
        } catch (...) {
          q = 0;
        }
      }
    }
    if (iequals_ascii(coding, "gzip") || !ok) ok = q > 0;
  });
  return ok;
}

std::string make_etag(std::string_view data) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across processes and builds
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("\"{:016x}-{:x}\"", h, data.size());
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  bool match = false;
  for_each_item(if_none_match, [&](std::string_view item) {
    if (item == "*" || strip_weak(item) == strip_weak(etag)) match = true;
  });
  return match;
}

std::string format_http_date(std::chrono::sys_seconds t) {
  return date::format("%a, %d %b %Y %H:%M:%S GMT", t);
}

bool is_compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.find("json") != std::string_view::npos ||
         content_type.find("javascript") != std::string_view::npos ||
         content_type.find("svg") != std::string_view::npos ||
         content_type.find("manifest") != std::string_view::npos;
}

}  // namespace cinestream::http
