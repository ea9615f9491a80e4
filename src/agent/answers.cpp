#include "cinestream/agent/answers.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace cinestream::agent {
namespace json = boost::json;

DropCounts& DropCounts::operator+=(const DropCounts& o) {
  malformed += o.malformed;
  bad_time += o.bad_time;
  outside_days += o.outside_days;
  unknown_cinema += o.unknown_cinema;
  return *this;
}

std::string clean_text(std::string_view s, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    // Control characters and runs of spaces become one space.
    if (u <= 0x20 || u == 0x7f) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  out = out.substr(b, out.find_last_not_of(' ') - b + 1);
  if (out.size() > max_bytes) {
    out.resize(max_bytes);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
      out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    // The cut may land after a space (found by tests/fuzz/fuzz_answers): trimmed means trimmed.
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
  }
  return out;
}

std::string clean_url(std::string_view s) {
  if (s.size() > 2048) return {};
  auto u = boost::urls::parse_absolute_uri(s);
  if (!u) return {};
  auto scheme = u->scheme();
  if ((scheme != "http" && scheme != "https") || u->has_userinfo() || u->encoded_host().empty()) {
    return {};
  }
  return std::string(s);
}

std::optional<LocalStart> parse_local_start(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return std::nullopt;
  auto day = parse_iso_date(s.substr(0, 10));
  auto hh = digits(11, 2), mm = digits(14, 2);
  if (!day || !hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
  int ss = 0;
  std::size_t rest = 16;
  if (s.size() >= 19 && s[16] == ':') {
    auto sec = digits(17, 2);
    if (!sec || *sec > 59) return std::nullopt;
    ss = *sec;
    rest = 19;
    if (rest < s.size() && s[rest] == '.') {  // fractions, as some sites write them
      ++rest;
      while (rest < s.size() && std::isdigit(static_cast<unsigned char>(s[rest])))
        ++rest;
    }
  }
  auto tail = s.substr(rest);
  // Real JSON-LD has "...00.000Z-03:00": a Z followed by an offset. The wall time is what counts.
  if (!tail.empty() && tail.front() == 'Z') {
    tail.remove_prefix(1);
    ++rest;
  }
  bool offset_ok = tail.empty() || (tail.size() == 6 && (tail[0] == '+' || tail[0] == '-') &&
                                    digits(rest + 1, 2) && tail[3] == ':' && digits(rest + 4, 2));
  if (!offset_ok) return std::nullopt;
  return LocalStart{*day,
                    std::chrono::hours(*hh) + std::chrono::minutes(*mm) + std::chrono::seconds(ss)};
}

namespace {

const json::object* as_object(const json::value& v) {
  return v.is_object() ? &v.as_object() : nullptr;
}

std::string text_field(const json::object& o, std::string_view key, std::size_t max = 200) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return clean_text(v->as_string(), max);
  if (v->is_int64()) return std::to_string(v->as_int64());  // "hall": 5
  return {};
}

const json::array* rows_of(const json::value& v) {
  if (v.is_array()) return &v.as_array();
  // Some answers wrap the list: {"showtimes": [...]} or {"cinemas": [...]}.
  if (const auto* o = as_object(v)) {
    for (const auto& [k, inner] : *o) {
      if (inner.is_array()) return &inner.as_array();
    }
  }
  return nullptr;
}

}  // namespace

std::vector<CinemaInfo> parse_cinemas(const json::value& v, DropCounts& drops) {
  std::vector<CinemaInfo> out;
  const auto* rows = rows_of(v);
  if (!rows) return out;
  for (const auto& row : *rows) {
    const auto* o = as_object(row);
    auto name = o ? text_field(*o, "name") : std::string();
    if (name.empty()) {
      ++drops.malformed;
      continue;
    }
    out.push_back({name, o ? text_field(*o, "address", 300) : "",
                   clean_url(o ? text_field(*o, "website", 2048) : "")});
  }
  return out;
}

std::vector<MovieInfo> parse_movies(const json::value& v, DropCounts& drops) {
  std::vector<MovieInfo> out;
  const auto* rows = rows_of(v);
  if (!rows) return out;
  for (const auto& row : *rows) {
    const auto* o = as_object(row);
    const auto* titles = o ? o->if_contains("movie_title") : nullptr;
    MovieInfo m;
    if (titles && titles->is_object()) {
      const auto& t = titles->as_object();
      m.title = {text_field(t, "en"), text_field(t, "local"), text_field(t, "ua"),
                 text_field(t, "ru")};
    } else if (titles && titles->is_string()) {
      m.title.en = clean_text(titles->as_string());
    }
    if (m.title.in(Lang::en).empty()) {
      ++drops.malformed;
      continue;
    }
    if (const auto* d = o->if_contains("movie_description"); d && d->is_object()) {
      const auto& t = d->as_object();
      m.description = {text_field(t, "en", 1000), text_field(t, "ua", 1000),
                       text_field(t, "ru", 1000)};
    }
    m.image_url = clean_url(text_field(*o, "movie_image_url", 2048));
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<ShowtimeRow> parse_showtimes(const json::value& v, const NameIndex& cinemas,
                                         const NameIndex& movies, const std::set<std::string>& days,
                                         const date::time_zone* zone, DropCounts& drops) {
  std::vector<ShowtimeRow> out;
  const auto* rows = rows_of(v);
  if (!rows) return out;
  for (const auto& row : *rows) {
    const auto* o = as_object(row);
    if (!o) {
      ++drops.malformed;
      continue;
    }
    auto movie = text_field(*o, "movie");
    auto cinema = text_field(*o, "cinema");
    auto start = text_field(*o, "start_time", 40);
    if (movie.empty() || cinema.empty() || start.empty()) {
      ++drops.malformed;
      continue;
    }
    auto local = parse_local_start(start);
    if (!local) {
      ++drops.bad_time;
      continue;
    }
    auto day = format_iso_date(local->day);
    if (!days.contains(day)) {
      ++drops.outside_days;
      continue;
    }
    auto cinema_id = cinemas.find(cinema);
    if (!cinema_id) {
      ++drops.unknown_cinema;
      continue;
    }
    ShowtimeRow r;
    r.cinema = *cinema_id;
    r.movie = movies.find(movie);
    r.movie_title = movie;
    r.day = day;
    auto wall = date::local_seconds{date::local_days{local->day}} + local->time_of_day;
    r.start = std::chrono::time_point_cast<std::chrono::seconds>(
        zone->to_sys(wall, date::choose::earliest));
    r.format = text_field(*o, "format", 20);
    r.language = text_field(*o, "language", 60);
    r.hall = text_field(*o, "hall", 40);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cinestream::agent
