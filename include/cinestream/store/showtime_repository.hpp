#pragma once
// A city's movies, cinemas and showtimes.
#include <cstddef>
#include <string_view>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/domain/movie.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream {

class ShowtimeRepository {
 public:
  virtual ~ShowtimeRepository() = default;

  // Movies of a city with only the showtimes that start in [from, to), ordered by title.
  virtual std::vector<Movie> movies_between(std::string_view city_id, SysSeconds from,
                                            SysSeconds to) = 0;
  // Merges scraped movies into the city's data; bumps data_version if anything changed. Movies are
  // matched by normalised title, theaters by normalised name and address, showtimes by (theater,
  // start, format, language). SQLite: one transaction. MongoDB: not atomic as a whole; each movie
  // document is written whole by one update, re-running converges, and data_version is bumped
  // even when the merge stops half-way (docs/data-model.md).
  virtual MergeStats merge_movies(std::string_view city_id, const std::vector<Movie>& movies,
                                  SysSeconds now) = 0;
  // merge_movies for the scrape holding the city's lock: applied only while `owner` holds it
  // (lock_owner = owner, status processing), else LockLost and nothing changes. SQLite checks the
  // owner in the merge's own IMMEDIATE transaction; MongoDB checks it with one atomic update of
  // the location before each movie document's write (see docs/data-model.md for the window).
  virtual MergeStats merge_movies_fenced(std::string_view city_id, std::string_view owner,
                                         const std::vector<Movie>& movies, SysSeconds now) = 0;
  // Deletes showtimes that started before `cutoff` and movies left without showtimes.
  // SQLite: one transaction; MongoDB: one compare-and-set per movie document.
  virtual std::size_t prune_before(std::string_view city_id, SysSeconds cutoff) = 0;

  // The city's known cinemas (without showtimes), so a refresh need not ask for them again.
  virtual std::vector<Theater> theaters(std::string_view city_id) = 0;
};

}  // namespace cinestream
