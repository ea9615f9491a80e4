#pragma once
// Which catalogue film a city's movie is, by its titles in any language: the scrapes' entity
// resolution (text/name_matching.hpp) over every name a film is known by (its own titles and the
// titles of the city movies already linked to it).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cinestream/catalog/film.hpp"
#include "cinestream/domain/movie.hpp"
#include "cinestream/text/name_matching.hpp"

namespace cinestream::catalog {

class FilmMatcher {
 public:
  FilmMatcher();
  void add_film(const Film& film);
  void add_name(std::int64_t film_id, std::string_view name);
  void add_names(std::int64_t film_id, const MovieTitles& titles);
  // The film `movie` is, or nullopt when none matches with confidence. The English title decides
  // when titles point at different films (it is what the scrapes agree on most).
  std::optional<std::int64_t> match(const MovieTitles& movie) const;

 private:
  std::size_t slot(std::int64_t film_id);
  // Whether `title` reads like one of the film's names in the same word order.
  bool same_order(std::size_t slot, std::string_view title) const;
  text::NameIndex index_;
  std::vector<std::int64_t> ids_;
  std::vector<std::vector<std::string>> keys_;  // per slot: its names' core words, in order
  std::unordered_map<std::int64_t, std::size_t> slots_;
};

}  // namespace cinestream::catalog
