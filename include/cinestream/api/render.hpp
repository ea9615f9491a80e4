#pragma once
// JSON documents of the public API, rendered from domain data (pure functions: tested alone).
#include <optional>
#include <string>
#include <vector>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/domain/language.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/domain/movie.hpp"

namespace cinestream::api {

struct CityView {
  const Location& location;
  const date::time_zone* zone;
};

// GET /api/showtimes: one row per showtime of one local day, ordered by start time.
std::string render_showtimes(const CityView& city, date::year_month_day day, Lang lang,
                             const std::vector<Movie>& movies, bool demo);

// GET /api/movies: movie-centric documents between two local days.
std::string render_movies(const CityView& city, date::year_month_day from, date::year_month_day to,
                          Lang lang, const std::vector<Movie>& movies, bool demo);

struct LocationRow {
  const Location* location;
  std::optional<double> distance_km;
  const LocationState* state;  // may be null
};
// GET /api/locations
std::string render_locations(const std::vector<LocationRow>& rows, Lang lang);

// The poster URL the page should use: the local copy when downloaded, else the source URL.
const std::string& poster_of(const Movie& m);

}  // namespace cinestream::api
