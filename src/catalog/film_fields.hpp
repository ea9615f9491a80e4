#pragma once
// What both backends' film repositories compute the same way: the sort and search keys, and
// completing a stored film with what a scrape or an enrichment knows.
#include <string>

#include "cinestream/catalog/film.hpp"
#include "cinestream/catalog/film_ids.hpp"

namespace cinestream::catalog {

inline std::string sort_key(const Film& f) {
  for (const auto* t : {&f.title.en, &f.title.original, &f.title.uk, &f.title.ru})
    if (!t->empty()) return film_search_key(*t);
  return {};
}

// Every title's key, '|'-separated: `q` matches when it is contained in one.
inline std::string search_key(const Film& f) {
  std::string out = "|";
  for (const auto* t : {&f.title.en, &f.title.original, &f.title.uk, &f.title.ru}) {
    if (t->empty()) continue;
    out += film_search_key(*t);
    out += '|';
  }
  return out;
}

// Fills what `stored` lacks from `known`; never blanks or replaces a known field. Returns whether
// anything changed.
inline bool fill_missing(Film& stored, const Film& known) {
  bool changed = false;
  auto fill = [&](auto& field, const auto& value, const auto& none) {
    if (field == none && value != none) {
      field = value;
      changed = true;
    }
  };
  const std::string empty;
  fill(stored.title.original, known.title.original, empty);
  fill(stored.title.en, known.title.en, empty);
  fill(stored.title.uk, known.title.uk, empty);
  fill(stored.title.ru, known.title.ru, empty);
  fill(stored.year, known.year, 0);
  fill(stored.runtime_minutes, known.runtime_minutes, 0);
  if (stored.genres.empty() && !known.genres.empty()) {
    stored.genres = known.genres;
    changed = true;
  }
  fill(stored.overview.en, known.overview.en, empty);
  fill(stored.overview.ua, known.overview.ua, empty);
  fill(stored.overview.ru, known.overview.ru, empty);
  fill(stored.poster_url, known.poster_url, empty);
  fill(stored.poster_path, known.poster_path, empty);
  fill(stored.age_rating, known.age_rating, empty);
  fill(stored.tmdb_id, known.tmdb_id, std::int64_t{0});
  fill(stored.imdb_id, known.imdb_id, empty);
  return changed;
}

}  // namespace cinestream::catalog
