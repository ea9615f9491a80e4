#pragma once
// Links city movies to catalogue films: each unlinked movie is matched by its titles against
// every film's names; a movie nothing matches becomes a new film. Blocking (run it on the db
// pool). Run by one process at a time (catalog::install gives it to worker 0): two processes
// meeting the same new film under different first titles would otherwise make two films. The
// same title makes one film anyway (film ids derive from it).
#include <cstddef>

#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/store/film_link_repository.hpp"

namespace cinestream::catalog {

struct LinkReport {
  std::size_t linked = 0;   // movies linked to an existing film
  std::size_t created = 0;  // new films made
};

// Links at most `batch` movies; call again while it links any.
LinkReport link_pending(FilmRepository& films, FilmLinkRepository& links, SysSeconds now,
                        std::size_t batch = 500);

// The film a city movie would become when nothing matches it.
Film film_from_movie(const Movie& movie, SysSeconds now);

}  // namespace cinestream::catalog
