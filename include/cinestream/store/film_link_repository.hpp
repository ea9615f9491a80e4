#pragma once
// Which catalogue film (module catalog) each city's movie is. The link lives on the city's movie
// (movies.film_id, 0 until linked) so the showtime documents carry it without a join, and a
// changed link drops the city's cached pages like any other change of its data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/movie.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream {

struct FilmLink {
  std::int64_t movie_id = 0;  // the city's movie (Movie::id)
  std::int64_t film_id = 0;   // the catalogue film
};

// Where a film plays: one city's movie linked to it.
struct FilmPlace {
  std::string city_id;
  std::int64_t movie_id = 0;
  MovieTitles title;
  std::int64_t upcoming_showtimes = 0;  // starting at or after `from`
};

class FilmLinkRepository {
 public:
  virtual ~FilmLinkRepository() = default;

  // City movies not linked yet (titles, descriptions, poster; no theaters), oldest first.
  virtual std::vector<Movie> unlinked_movies(std::size_t limit) = 0;
  // The titles of every linked city movie, with film_id set: the names a film is known by.
  virtual std::vector<Movie> linked_titles() = 0;
  // Sets the links of a city's movies; returns how many changed. Bumps the city's data_version
  // when any did. SQLite: one transaction; MongoDB: one update per movie, then the bump.
  virtual std::size_t link(std::string_view city_id, const std::vector<FilmLink>& links) = 0;
  // Moves every link of `from` to `into` (an admin's merge of two films); returns how many moved
  // and bumps the data_version of each city concerned. Re-running it converges.
  virtual std::size_t relink(std::int64_t from, std::int64_t into) = 0;
  // The city movies linked to `film_id`, each with its number of showtimes from `from` on.
  virtual std::vector<FilmPlace> places(std::int64_t film_id, SysSeconds from) = 0;
  // The films with a showtime in the city from `from` on.
  virtual std::vector<std::int64_t> films_playing(std::string_view city_id, SysSeconds from) = 0;
};

}  // namespace cinestream
