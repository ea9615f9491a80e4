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
  ambiguous_cinema += o.ambiguous_cinema;
  invented_cinema += o.invented_cinema;
  return *this;
}

NameCounts& NameCounts::operator+=(const NameCounts& o) {
  exact += o.exact;
  resolved += o.resolved;
  learned += o.learned;
  asked += o.asked;
  return *this;
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

const json::array* answer_rows(const json::value& v) {
  return rows_of(v);
}

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

std::vector<CinemaInfo> merge_cinemas(std::vector<CinemaInfo> cinemas,
                                      const std::vector<std::string>& places) {
  std::vector<CinemaInfo> out;
  NameIndex seen(false, places);
  for (auto& c : cinemas) {
    auto r = seen.resolve(c.name, {c.address, c.website});
    // Two different pages are two cinemas, however alike their names ("Multiplex Lavina" and
    // "Planeta Kino Lavina" in one mall share the address, not the page).
    if (r.id && !c.website.empty() && !out[*r.id].website.empty() &&
        c.website != out[*r.id].website && r.how != text::Resolution::How::exact) {
      r.id.reset();
    }
    if (r.id) {
      auto& kept = out[*r.id];
      if (kept.address.empty()) kept.address = c.address;
      if (kept.website.empty()) kept.website = c.website;
      seen.add(*r.id, c.name, c.address, c.website);
      continue;
    }
    seen.add(out.size(), c.name, c.address, c.website);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ShowtimeRow> parse_showtimes(const json::value& v, const NameIndex& cinemas,
                                         const NameIndex& movies, const std::set<std::string>& days,
                                         const date::time_zone* zone, DropCounts& drops,
                                         NameCounts* names, std::vector<UnplacedName>* unplaced,
                                         std::vector<LearnedName>* variants) {
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
    // Answers rarely carry them, but when they do an address or website is strong evidence.
    auto address = text_field(*o, "address", 300);
    auto website = clean_url(text_field(*o, "website", 2048));
    auto placed = cinemas.resolve(cinema, {address, website});
    if (!placed.id) {
      if (placed.how == text::Resolution::How::ambiguous) {
        ++drops.ambiguous_cinema;
      } else {
        ++drops.unknown_cinema;
      }
      if (unplaced) {
        auto it = std::find_if(unplaced->begin(), unplaced->end(),
                               [&](const UnplacedName& u) { return u.name == cinema; });
        if (it == unplaced->end()) {
          unplaced->push_back({cinema, 1});
        } else {
          ++it->rows;
        }
      }
      continue;
    }
    auto cinema_id = placed.id;
    if (placed.how == text::Resolution::How::exact) {
      if (names) ++names->exact;
    } else {
      if (names) ++names->resolved;
      LearnedName learned{false, cinema, *placed.id};
      if (variants && std::find(variants->begin(), variants->end(), learned) == variants->end())
        variants->push_back(std::move(learned));
    }
    ShowtimeRow r;
    r.cinema = *cinema_id;
    auto film = movies.resolve(movie);
    r.movie = film.id;
    if (film.id && film.how != text::Resolution::How::exact && variants) {
      LearnedName learned{true, movie, *film.id};
      if (std::find(variants->begin(), variants->end(), learned) == variants->end())
        variants->push_back(std::move(learned));
    }
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
