#pragma once
// A canonical film: one per real film across every city, whatever title each scrape found. City
// movies (domain/movie.hpp) link to it by film_id; ratings and watchlists (module library) hang
// off its id.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/language.hpp"
#include "cinestream/domain/local_time.hpp"

namespace cinestream::catalog {

struct FilmTitles {
  std::string original;
  std::string en;
  std::string uk;
  std::string ru;
};

// Where the film stands with metadata enrichment (film_enricher.hpp).
enum class EnrichStatus {
  pending,    // never looked up
  retry,      // a lookup failed transiently: again at next_attempt_at
  enriched,   // a provider found it; its fields were stored
  not_found,  // the provider knows no film credibly the same
  failed,     // the provider refused this film, or it failed too often: not asked again
};
std::string_view to_string(EnrichStatus s);
// The status named by to_string; pending for anything else.
EnrichStatus enrich_status_of(std::string_view name);

struct FilmEnrichment {
  EnrichStatus status = EnrichStatus::pending;
  std::string source;            // the provider that answered last ("tmdb", "gemini")
  SysSeconds enriched_at{};      // the last lookup's end, whatever its outcome; epoch: never
  int attempts = 0;              // transient failures since the last answer
  SysSeconds next_attempt_at{};  // for retry: not before
};

struct Film {
  std::int64_t id = 0;  // stable: derived from the title it was first found under (film_ids.hpp)
  FilmTitles title;
  int year = 0;             // 0: unknown
  int runtime_minutes = 0;  // 0: unknown
  std::vector<std::string> genres;
  LocalizedText overview;
  std::string poster_url;   // where the poster came from
  std::string poster_path;  // where it is served from, once downloaded
  std::string age_rating;
  std::int64_t tmdb_id = 0;
  std::string imdb_id;
  std::int64_t merged_into = 0;  // an admin merged it into that film; its links moved there
  FilmEnrichment enrichment;
  SysSeconds created_at{};
  SysSeconds updated_at{};
};

}  // namespace cinestream::catalog
