#pragma once
// A canonical film: one per real film across every city, whatever title each scrape found. City
// movies (domain/movie.hpp) link to it by film_id; ratings and watchlists (module library) hang
// off its id.
#include <cstdint>
#include <string>
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
  SysSeconds created_at{};
  SysSeconds updated_at{};
};

}  // namespace cinestream::catalog
