#include "cinestream/http/query.hpp"

#include <fmt/format.h>
#include <boost/url/parse.hpp>

namespace cinestream::http {

std::optional<std::string_view> Target::param(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

namespace {

bool is_plain(char c) {  // unreserved (RFC 3986): never percent-decoded, never special
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Dot segments are refused: nothing we serve needs them and they are how paths escape a root.
bool has_dot_segment(std::string_view path) {
  for (std::size_t pos = 0; pos <= path.size();) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg(path.data() + pos, next - pos);
    if (seg == ".." || seg == ".") return true;
    pos = next + 1;
  }
  return false;
}

// The common target ("/api/showtimes?city=kyiv&lang=ua") has nothing to decode: split it by
// hand. Anything else (percent signs, '+', other characters, empty parameters) goes through
// Boost.URL; the unit tests compare the two on the same inputs.
std::optional<Target> parse_plain_target(std::string_view raw) {
  auto q = raw.find('?');
  std::string_view path = raw.substr(0, q);
  for (char c : path) {
    if (!is_plain(c) && c != '/') return std::nullopt;
  }
  Target out;
  if (q != std::string_view::npos) {
    std::string_view query = raw.substr(q + 1);
    if (query.empty() || query.front() == '&' || query.back() == '&') return std::nullopt;
    for (char c : query) {
      if (!is_plain(c) && c != '=' && c != '&') return std::nullopt;
    }
    while (!query.empty()) {
      auto amp = query.find('&');
      auto item = query.substr(0, amp);
      if (item.empty()) return std::nullopt;
      auto eq = item.find('=');
      if (eq == std::string_view::npos) {
        out.params.emplace_back(std::string(item), std::string());
      } else {
        out.params.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  out.path = std::string(path);
  return out;
}

}  // namespace

std::optional<Target> parse_target(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  if (auto plain = parse_plain_target(raw)) {
    if (has_dot_segment(plain->path)) return std::nullopt;
    return plain;
  }
  return detail::parse_target_generic(raw);
}

namespace detail {

std::optional<Target> parse_target_generic(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  // Some clients send UTF-8 unencoded ("?city=Київ"); encode those bytes rather than refuse.
  std::string encoded;
  std::string_view target = raw;
  for (unsigned char c : raw) {
    if (c >= 0x80) {
      for (unsigned char b : raw) {
        if (b >= 0x80) {
          encoded += fmt::format("%{:02X}", b);
        } else {
          encoded.push_back(static_cast<char>(b));
        }
      }
      target = encoded;
      break;
    }
  }
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  Target out;
  out.path = std::string(parsed->path());  // percent-decoded
  if (out.path.find('\0') != std::string::npos) return std::nullopt;
  if (has_dot_segment(out.path)) return std::nullopt;
  for (auto p : parsed->params()) {
    out.params.emplace_back(std::string(p.key), p.has_value ? std::string(p.value) : std::string());
  }
  return out;
}

}  // namespace detail

}  // namespace cinestream::http
