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

std::optional<Target> parse_target(std::string_view raw) {
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
  // Reject dot segments: nothing we serve needs them and they are how paths escape a root.
  for (std::size_t pos = 0; pos <= out.path.size();) {
    auto next = out.path.find('/', pos);
    if (next == std::string::npos) next = out.path.size();
    std::string_view seg(out.path.data() + pos, next - pos);
    if (seg == ".." || seg == ".") return std::nullopt;
    pos = next + 1;
  }
  for (auto p : parsed->params()) {
    out.params.emplace_back(std::string(p.key), p.has_value ? std::string(p.value) : std::string());
  }
  return out;
}

}  // namespace cinestream::http
