#include "cinestream/tmdb_sim/world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <set>

#include "cinestream/text/normalize.hpp"
#include "mix.hpp"

namespace cinestream::tmdb_sim {
namespace {

struct Genre {
  int id;
  const char* name;
};
constexpr std::array<Genre, 19> kGenres{{{28, "Action"},
                                         {12, "Adventure"},
                                         {16, "Animation"},
                                         {35, "Comedy"},
                                         {80, "Crime"},
                                         {99, "Documentary"},
                                         {18, "Drama"},
                                         {10751, "Family"},
                                         {14, "Fantasy"},
                                         {36, "History"},
                                         {27, "Horror"},
                                         {10402, "Music"},
                                         {9648, "Mystery"},
                                         {10749, "Romance"},
                                         {878, "Science Fiction"},
                                         {10770, "TV Movie"},
                                         {53, "Thriller"},
                                         {10752, "War"},
                                         {37, "Western"}}};
constexpr std::array<const char*, 5> kCertUa{"0+", "6+", "12+", "16+", "18+"};
constexpr std::array<const char*, 5> kCertUs{"G", "PG", "PG-13", "R", "NC-17"};

int clock_year() {
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day{today}.year());
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  auto key = normalize_key(s);
  std::size_t start = 0;
  while (start < key.size()) {
    auto end = key.find(' ', start);
    if (end == std::string::npos) end = key.size();
    if (end > start) out.push_back(key.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool title_matches(const std::vector<std::string>& query, std::string_view title) {
  if (title.empty() || query.empty()) return false;
  auto have = words(title);
  return std::all_of(query.begin(), query.end(), [&](const std::string& q) {
    return std::any_of(have.begin(), have.end(),
                       [&](const std::string& w) { return w.starts_with(q); });
  });
}

// "River 2" -> ("River", 2); no trailing number -> (title, 0).
std::pair<std::string, int> split_number(const std::string& title) {
  auto space = title.rfind(' ');
  if (space == std::string::npos) return {title, 0};
  auto tail = std::string_view(title).substr(space + 1);
  if (tail.empty() ||
      !std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {title, 0};
  return {title.substr(0, space), std::stoi(std::string(tail))};
}

}  // namespace

std::string_view genre_name(int id) {
  for (const auto& g : kGenres)
    if (g.id == id) return g.name;
  return {};
}

World::World(TmdbWorldOptions options, const std::vector<gemini_sim::SimMovie>& input)
    : options_(options), posters_(gemini_sim::WorldOptions{.seed = options.seed}) {
  if (options_.this_year == 0) options_.this_year = clock_year();
  // Ordered by title so that ids do not depend on the catalogue's order.
  std::map<std::string, const gemini_sim::SimMovie*> by_title;
  for (const auto& m : input)
    if (!m.title.en.empty()) by_title.emplace(m.title.en, &m);
  std::set<std::string> real_titles;
  for (const auto& [t, m] : by_title)
    real_titles.insert(normalize_key(t));

  std::int64_t next_id = 100'000 + static_cast<std::int64_t>(splitmix(options_.seed) % 50'000) * 4;
  auto base_film = [&](std::uint64_t h, std::int64_t id, int year) {
    SimFilm f;
    f.id = id;
    f.year = year;
    f.release_date = fmt::format("{:04}-{:02}-{:02}", year, 1 + h % 12, 1 + (h >> 8) % 28);
    f.runtime = 80 + static_cast<int>((h >> 16) % 75);
    auto genres = 1 + (h >> 24) % 3;
    for (std::size_t g = 0; g < genres; ++g) {
      int gid = kGenres[(h >> (28 + 5 * g)) % kGenres.size()].id;
      if (std::find(f.genre_ids.begin(), f.genre_ids.end(), gid) == f.genre_ids.end())
        f.genre_ids.push_back(gid);
    }
    f.imdb_id = fmt::format("tt{:07}", 1'000'000 + id);
    auto cert = (h >> 44) % kCertUa.size();
    f.cert_ua = (h >> 48) % 5 == 0 ? "" : kCertUa[cert];
    f.cert_us = kCertUs[cert];
    return f;
  };

  for (const auto& [title, m] : by_title) {
    auto h = splitmix(options_.seed ^ hash_text(title));
    // The film itself: in cinemas now, so released this year or last.
    SimFilm f = base_film(h, next_id, options_.this_year - static_cast<int>((h >> 52) % 2));
    bool ukrainian = (h >> 56) % 5 == 0;
    f.original_language = ukrainian ? "uk" : "en";
    f.original_title = ukrainian ? m->title.ua : m->title.en;
    f.popularity = 20.0 + static_cast<double>((h >> 4) % 800) / 10.0;
    f.poster_slug = m->slug;
    f.poster_path = fmt::format("/{}-{}.png", m->slug, f.id);
    f.en = {m->title.en, m->description.en,
            fmt::format("Nothing stays the same after {}.", m->title.en)};
    f.uk = {m->title.ua, m->description.ua, ""};
    f.ru = {m->title.ru, m->description.ru, ""};
    const SimFilm film = f;
    films_.push_back(std::move(f));

    // An older film of the same title; a third of them more popular than the new one.
    auto hd = splitmix(h + 1);
    SimFilm old = base_film(hd, next_id + 1, film.year - 8 - static_cast<int>(hd % 25));
    old.original_language = "en";
    old.original_title = film.en.title;
    old.popularity = film.popularity * ((hd >> 60) % 3 == 0 ? 1.6 : 0.3);
    old.poster_slug = fmt::format("{}-{}", m->slug, old.year);
    old.poster_path = fmt::format("/{}-{}.png", m->slug, old.id);
    old.en = {film.en.title, fmt::format("The {} film of the same name.", old.year), ""};
    old.uk = {film.uk.title, fmt::format("Однойменний фільм {} року.", old.year), ""};
    old.ru = {film.ru.title, fmt::format("Одноимённый фильм {} года.", old.year), ""};
    old.decoy_of = film.en.title;
    films_.push_back(std::move(old));

    // A sequel (or the next number) a year later, more popular: only the number differs.
    auto [stem, number] = split_number(film.en.title);
    auto next_number = number == 0 ? 2 : number + 1;
    auto sequel_en = fmt::format("{} {}", stem, next_number);
    if (!real_titles.contains(normalize_key(sequel_en))) {
      auto hs = splitmix(h + 2);
      SimFilm sq = base_film(hs, next_id + 2, film.year + 1);
      sq.original_language = "en";
      sq.original_title = sequel_en;
      sq.popularity = film.popularity * 1.2;
      sq.poster_slug = fmt::format("{}-{}", m->slug, next_number);
      sq.poster_path = fmt::format("/{}-{}.png", m->slug, sq.id);
      auto uk_stem = split_number(film.uk.title).first;
      auto ru_stem = split_number(film.ru.title).first;
      sq.en = {sequel_en, fmt::format("The story of {} goes on.", stem), ""};
      sq.uk = {fmt::format("{} {}", uk_stem, next_number), "Історія триває.", ""};
      sq.ru = {fmt::format("{} {}", ru_stem, next_number), "История продолжается.", ""};
      sq.decoy_of = film.en.title;
      films_.push_back(std::move(sq));
    }
    next_id += 4;
  }
}

World World::from_gemini(const gemini_sim::World& gemini, const CityCatalog& catalog,
                         int this_year) {
  std::vector<gemini_sim::SimMovie> films;
  for (const auto& city : catalog.all()) {
    auto ms = gemini.movies(city);
    films.insert(films.end(), std::make_move_iterator(ms.begin()),
                 std::make_move_iterator(ms.end()));
  }
  return World({.seed = gemini.options().seed, .this_year = this_year}, films);
}

World World::from_seed(std::uint64_t seed, const CityCatalog& catalog, int this_year) {
  return from_gemini(gemini_sim::World(gemini_sim::WorldOptions{.seed = seed}), catalog, this_year);
}

const SimFilm* World::find(std::int64_t id) const {
  auto it = std::lower_bound(films_.begin(), films_.end(), id,
                             [](const SimFilm& f, std::int64_t v) { return f.id < v; });
  return it != films_.end() && it->id == id ? &*it : nullptr;
}

const SimFilm* World::film_titled(std::string_view en_title) const {
  for (const auto& f : films_)
    if (f.decoy_of.empty() && f.en.title == en_title) return &f;
  return nullptr;
}

std::vector<const SimFilm*> World::search(std::string_view query, std::optional<int> year) const {
  std::vector<const SimFilm*> out;
  auto q = words(query);
  for (const auto& f : films_) {
    if (year && f.year != *year) continue;
    if (title_matches(q, f.en.title) || title_matches(q, f.original_title) ||
        title_matches(q, f.uk.title) || title_matches(q, f.ru.title)) {
      out.push_back(&f);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const SimFilm* a, const SimFilm* b) {
    return a->popularity > b->popularity;
  });
  return out;
}

std::optional<std::string> World::poster_png(std::string_view path) const {
  for (const auto& f : films_)
    if (f.poster_path == path) return posters_.poster_png(f.poster_slug);
  return std::nullopt;
}

}  // namespace cinestream::tmdb_sim
