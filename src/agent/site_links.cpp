#include "cinestream/agent/site_links.hpp"

#include <boost/url.hpp>

#include <algorithm>
#include <array>
#include <cctype>

#include "cinestream/text/normalize.hpp"

namespace cinestream::agent {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_any(std::string_view haystack, const auto& needles) {
  return std::any_of(std::begin(needles), std::end(needles), [&](std::string_view n) {
    return haystack.find(n) != std::string_view::npos;
  });
}

// Words of programme links, as normalize_key writes them (lower case, folded).
constexpr std::array kProgrammeWords{
    "розклад",   "афіша",     "афиша",    "сеанс",      "расписание", "репертуар",   "програма",
    "программа", "schedule",  "showtime", "what s on",  "whats on",   "now showing", "programme",
    "program",   "timetable", "sessions", "repertoire", "kinoafisha"};
// Path segments of programme pages.
constexpr std::array kProgrammePaths{"rozklad",  "afisha",    "afysha",   "raspisanie", "schedule",
                                     "showtime", "seans",     "program",  "repertuar",  "timetable",
                                     "sessions", "what-s-on", "whats-on", "now-showing"};
// A day's page by its text.
constexpr std::array kDayWords{"сьогодні", "завтра",      "сегодня",    "today",
                               "tomorrow", "післязавтра", "послезавтра"};
// Never pages of the programme.
constexpr std::array kFileEndings{".jpg",  ".jpeg", ".png",  ".gif", ".webp", ".svg", ".ico",
                                  ".css",  ".js",   ".pdf",  ".zip", ".mp4",  ".mp3", ".xml",
                                  ".json", ".doc",  ".docx", ".xls", ".apk",  ".avif"};
constexpr std::array kAccountPaths{"/login",    "/logout", "/signin",   "/sign-in",
                                   "/register", "/cart",   "/basket",   "/checkout",
                                   "/account",  "/admin",  "/wp-admin", "/cabinet"};

bool has_date(std::string_view s) {
  // YYYY-MM-DD, or DD.MM(.YYYY) as day links are labelled.
  for (std::size_t i = 0; i + 10 <= s.size(); ++i) {
    auto d = [&](std::size_t k) { return std::isdigit(static_cast<unsigned char>(s[i + k])) != 0; };
    if (d(0) && d(1) && d(2) && d(3) && s[i + 4] == '-' && d(5) && d(6) && s[i + 7] == '-' &&
        d(8) && d(9)) {
      return true;
    }
  }
  for (std::size_t i = 0; i + 5 <= s.size(); ++i) {
    auto d = [&](std::size_t k) { return std::isdigit(static_cast<unsigned char>(s[i + k])) != 0; };
    bool before = i == 0 || !std::isdigit(static_cast<unsigned char>(s[i - 1]));
    bool after = i + 5 == s.size() || !std::isdigit(static_cast<unsigned char>(s[i + 5]));
    if (before && after && d(0) && d(1) && (s[i + 2] == '.' || s[i + 2] == '/') && d(3) && d(4))
      return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> resolve_link(std::string_view page_url, std::string_view href) {
  auto base = boost::urls::parse_absolute_uri(page_url);
  if (!base) return std::nullopt;
  auto ref = boost::urls::parse_uri_reference(href);
  if (!ref) return std::nullopt;
  boost::urls::url dest;
  if (!boost::urls::resolve(*base, *ref, dest)) return std::nullopt;
  auto scheme = lower_ascii(dest.scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  if (dest.host().empty() || dest.has_userinfo()) return std::nullopt;
  dest.remove_fragment();
  dest.normalize_scheme();
  return std::string(dest.buffer());
}

std::string site_key(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return {};
  auto host = lower_ascii(u->encoded_host());
  if (host.starts_with("www.")) host.erase(0, 4);
  if (host.empty()) return {};
  if (u->has_port()) {
    // An explicit default port is the same site.
    auto scheme = lower_ascii(u->scheme());
    auto port = std::string(u->port());
    bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!default_port) host.append(":").append(port);
  }
  return host;
}

std::string path_and_query(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return "/";
  // Appended piece by piece: GCC 12 at -O3 misreads `"?" + std::string(...)` as an overflow.
  auto path = u->encoded_path();
  std::string out;
  if (path.empty()) {
    out.push_back('/');
  } else {
    out.append(path.data(), path.size());
  }
  if (u->has_query()) {
    auto query = u->encoded_query();
    out.push_back('?');
    out.append(query.data(), query.size());
  }
  return out;
}

bool same_site_page(std::string_view site_url, std::string_view url) {
  if (site_key(url).empty() || site_key(url) != site_key(site_url)) return false;
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return false;
  auto path = lower_ascii(u->encoded_path());
  if (std::any_of(kFileEndings.begin(), kFileEndings.end(),
                  [&](std::string_view e) { return path.ends_with(e); })) {
    return false;
  }
  return !std::any_of(kAccountPaths.begin(), kAccountPaths.end(), [&](std::string_view p) {
    return path.starts_with(p) && (path.size() == p.size() || path[p.size()] == '/');
  });
}

LinkKind classify_link(std::string_view url, std::string_view text) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return LinkKind::other;
  auto path = lower_ascii(u->encoded_path());
  auto query = lower_ascii(u->encoded_query());
  auto words = normalize_key(text);
  if (has_date(path) || has_date(query) || query.find("date=") != std::string::npos ||
      query.find("day=") != std::string::npos || contains_any(words, kDayWords) ||
      (words.size() <= 24 && has_date(text))) {
    return LinkKind::day;
  }
  if (contains_any(words, kProgrammeWords) || contains_any(path, kProgrammePaths))
    return LinkKind::programme;
  return LinkKind::other;
}

}  // namespace cinestream::agent
