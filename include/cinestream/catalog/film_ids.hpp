#pragma once
// Film ids and search keys. An id is derived from the title the film was first found under, so
// every process that meets a new film at the same moment creates the same one (the insert of the
// second is a no-op), without a shared counter.
#include <cstdint>
#include <string>
#include <string_view>

#include "cinestream/domain/movie.hpp"

namespace cinestream::catalog {

// The id of a film first found as `movie` (its English title's key, else the local one's).
std::int64_t film_id_for(const MovieTitles& movie);
// The id of a film split off a city's movie by an admin: distinct from every title-derived id.
std::int64_t split_film_id(std::string_view city_id, std::int64_t movie_id);
// Lower-case, punctuation folded to spaces, single-spaced: what `q` and titles are compared as.
std::string film_search_key(std::string_view text);

}  // namespace cinestream::catalog
