#include "cinestream/agent/site_schedule.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <tuple>

#include "cinestream/agent/screening_language.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::agent {

namespace {

enum class Script { none, latin, ukrainian, russian, cyrillic };

// Which alphabet a title is in; Ukrainian and Russian told apart by the letters only one has.
Script script_of(std::string_view s) {
  bool latin = false, cyrillic = false;
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t c = next_code_point(s, i);
    if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) latin = true;
    if (c >= 0x400 && c <= 0x4FF) cyrillic = true;
    // і ї є ґ (and capitals): Ukrainian; ы э ё ъ: Russian.
    if (c == 0x456 || c == 0x457 || c == 0x454 || c == 0x491 || c == 0x406 || c == 0x407 ||
        c == 0x404 || c == 0x490) {
      return Script::ukrainian;
    }
    if (c == 0x44B || c == 0x44D || c == 0x451 || c == 0x44A || c == 0x42B || c == 0x42D ||
        c == 0x401 || c == 0x42A) {
      return Script::russian;
    }
  }
  return cyrillic ? Script::cyrillic : latin ? Script::latin : Script::none;
}

// <html lang="uk-UA"> -> ua.
std::optional<Lang> page_language(std::string_view lang) {
  return parse_lang(lang.substr(0, lang.find_first_of("-_")));
}

// Where a Cyrillic text goes: by its letters, else by the page's language.
std::optional<Lang> cyrillic_language(Script script, std::optional<Lang> page) {
  if (script == Script::ukrainian) return Lang::ua;
  if (script == Script::russian) return Lang::ru;
  if (script == Script::cyrillic && page && *page != Lang::en) return page;
  return std::nullopt;
}

// A movie only the site knows: its titles sorted into languages by their alphabet.
MovieInfo movie_info(const Screening& s, std::optional<Lang> page) {
  MovieInfo m;
  m.title.local = s.movie;
  std::vector<const std::string*> titles{&s.movie};
  for (const auto& a : s.alternates)
    titles.push_back(&a);
  for (const auto* t : titles) {
    auto script = script_of(*t);
    if (script == Script::latin) {
      if (m.title.en.empty()) m.title.en = *t;
      continue;
    }
    auto lang = cyrillic_language(script, page);
    if (lang == Lang::ua && m.title.ua.empty()) m.title.ua = *t;
    if (lang == Lang::ru && m.title.ru.empty()) m.title.ru = *t;
  }
  if (!s.movie_description.empty()) {
    auto script = script_of(s.movie_description);
    auto lang =
        script == Script::latin ? std::optional<Lang>(Lang::en) : cyrillic_language(script, page);
    if (lang == Lang::en) m.description.en = s.movie_description;
    if (lang == Lang::ua) m.description.ua = s.movie_description;
    if (lang == Lang::ru) m.description.ru = s.movie_description;
  }
  m.image_url = s.movie_image;
  m.runtime = parse_iso_duration(s.duration).value_or(std::chrono::minutes{0});
  return m;
}

// What the site adds to a movie already known: only what it lacks.
void fill_in(MovieInfo& known, const Screening& s, std::optional<Lang> page) {
  auto site = movie_info(s, page);
  if (known.image_url.empty()) known.image_url = site.image_url;
  if (known.runtime.count() == 0) known.runtime = site.runtime;
  if (known.description.empty()) known.description = site.description;
}

}  // namespace

std::optional<SysSeconds> site_start(std::string_view start, const date::time_zone* zone) {
  auto stamp = parse_start_stamp(start);
  if (!stamp) return std::nullopt;
  auto wall = date::local_seconds{date::local_days{stamp->wall.day}} + stamp->wall.time_of_day;
  if (stamp->offset) return SysSeconds{wall.time_since_epoch() - *stamp->offset};
  return std::chrono::time_point_cast<std::chrono::seconds>(
      zone->to_sys(wall, date::choose::earliest));
}

std::optional<std::chrono::minutes> parse_iso_duration(std::string_view s) {
  if (s.size() < 3 || s.size() > 40 || (s[0] != 'P' && s[0] != 'p')) return std::nullopt;
  long long seconds = 0, n = -1;
  bool time = false, any = false, fraction = false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    if (c >= '0' && c <= '9') {
      if (fraction) continue;  // "PT6300.5S": the fraction does not change the minutes
      n = (n < 0 ? 0 : n) * 10 + (c - '0');
      if (n > 10'000'000) return std::nullopt;
      continue;
    }
    if ((c == '.' || c == ',') && n >= 0 && !fraction) {
      fraction = true;
      continue;
    }
    if (c == 'T' && !time && n < 0) {
      time = true;
      continue;
    }
    long long unit = !time && c == 'D'  ? 86400
                     : time && c == 'H' ? 3600
                     : time && c == 'M' ? 60
                     : time && c == 'S' ? 1
                                        : 0;
    if (unit == 0 || n < 0 || (fraction && c != 'S')) return std::nullopt;
    seconds += n * unit;
    n = -1;
    fraction = false;
    any = true;
  }
  if (n >= 0 || !any) return std::nullopt;
  auto total = (seconds + 30) / 60;
  if (total <= 0 || total > 12 * 60) return std::nullopt;
  return std::chrono::minutes{total};
}

SiteRows site_rows(const PageScreenings& page, const SiteContext& context,
                   std::vector<MovieInfo>& movies, NameIndex& movie_index, DropCounts& drops) {
  SiteRows out;
  auto lang = page_language(page.lang);
  // The store's own identity of a showtime (movie, theater, start, format, language).
  std::set<std::tuple<std::size_t, std::string, std::int64_t, std::string, std::string>> seen;
  for (const auto& s : page.screenings) {
    if (s.movie.empty() || s.start.empty() || (s.cinema.empty() && !context.site_cinema)) {
      ++drops.malformed;
      continue;
    }
    auto start = site_start(s.start, context.zone);
    if (!start) {
      ++drops.bad_time;
      continue;
    }
    auto day = format_iso_date(local_date(context.zone, *start));
    if (!context.days.contains(day)) {
      ++drops.outside_days;
      continue;
    }
    auto cinema = context.site_cinema;
    if (!s.cinema.empty()) {
      // A chain's site lists its other cinemas too (other cities' included), all on one host:
      // neither the site's own cinema nor the host is evidence, the name and address are.
      auto placed = context.cinemas.resolve(s.cinema, {s.cinema_address, {}});
      if (!placed.id) {
        if (placed.how == text::Resolution::How::ambiguous) {
          ++drops.ambiguous_cinema;
        } else {
          ++drops.unknown_cinema;
        }
        continue;
      }
      cinema = placed.id;
    }
    auto film = movie_index.resolve(s.movie);
    for (std::size_t i = 0;
         !film.id && film.how != text::Resolution::How::ambiguous && i < s.alternates.size(); ++i) {
      film = movie_index.resolve(s.alternates[i]);
    }
    std::optional<std::size_t> movie = film.id;
    if (movie && *movie < movies.size()) {
      fill_in(movies[*movie], s, lang);
    } else if (film.how != text::Resolution::How::ambiguous) {
      movie = movies.size();
      movies.push_back(movie_info(s, lang));
      movie_index.add(*movie, s.movie);
      for (const auto& a : s.alternates)
        movie_index.add(*movie, a);
    }
    ShowtimeRow r;
    r.cinema = *cinema;
    r.movie = movie;
    r.movie_title = s.movie;
    r.day = day;
    r.start = *start;
    r.format = clean_text(s.video_format, 20);
    r.language = screening_language(s.language, s.subtitle_language, s.movie_language);
    r.hall = clean_text(s.hall, 40);
    std::string format_key = r.format;
    for (auto& c : format_key)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto movie_key = movie ? fmt::format("#{}", *movie) : normalize_key(s.movie);
    if (!seen.emplace(r.cinema, std::move(movie_key), r.start.time_since_epoch().count(),
                      std::move(format_key), r.language)
             .second) {
      ++out.duplicates;
      continue;
    }
    out.rows.push_back(std::move(r));
  }
  return out;
}

}  // namespace cinestream::agent
