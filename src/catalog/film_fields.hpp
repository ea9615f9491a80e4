#pragma once
// What both backends' film repositories compute the same way: the sort and search keys, and
// completing a stored film with what a scrape or an enrichment knows.
#include <string>

#include "cinestream/catalog/film.hpp"
#include "cinestream/catalog/film_ids.hpp"
#include "cinestream/catalog/metadata_provider.hpp"

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

// Stores what a provider found over what the scrapes left: its non-empty fields win (a scrape's
// spelling or a model's summary gives way to the reference), an empty one never blanks a value.
// The poster changes only together with its downloaded copy (`poster_path`), so the URL and the
// served file stay one poster; not downloaded, the provider's URL only fills a gap.
inline void apply_metadata(Film& stored, const FilmMetadata& m, const std::string& poster_path) {
  auto set = [](auto& field, const auto& value, const auto& none) {
    if (value != none) field = value;
  };
  const std::string empty;
  set(stored.title.original, m.title.original, empty);
  set(stored.title.en, m.title.en, empty);
  set(stored.title.uk, m.title.uk, empty);
  set(stored.title.ru, m.title.ru, empty);
  set(stored.year, m.year, 0);
  set(stored.runtime_minutes, m.runtime_minutes, 0);
  if (!m.genres.empty()) stored.genres = m.genres;
  set(stored.overview.en, m.overview.en, empty);
  set(stored.overview.ua, m.overview.ua, empty);
  set(stored.overview.ru, m.overview.ru, empty);
  if (!m.poster_url.empty() && !poster_path.empty()) {
    stored.poster_url = m.poster_url;
    stored.poster_path = poster_path;
  } else if (stored.poster_url.empty() && stored.poster_path.empty()) {
    stored.poster_url = m.poster_url;
  }
  set(stored.age_rating, m.age_rating, empty);
  set(stored.tmdb_id, m.tmdb_id, std::int64_t{0});
  set(stored.imdb_id, m.imdb_id, empty);
}

// The two edits the repositories make to a stored film (read, edited, written back atomically).
// complete(): false when nothing changed, so nothing is written.
inline bool complete_film(Film& stored, const Film& known, SysSeconds now) {
  if (!fill_missing(stored, known)) return false;
  stored.updated_at = now;
  return true;
}
// record_enrichment(): the outcome, and the answer's fields when there is one.
inline bool record_outcome(Film& stored, const FilmMetadata* found, const std::string& poster_path,
                           const FilmEnrichment& state, SysSeconds now) {
  if (found) apply_metadata(stored, *found, poster_path);
  stored.enrichment = state;
  stored.updated_at = now;
  return true;
}

}  // namespace cinestream::catalog
