#include "cinestream/catalog/film_ids.hpp"

#include "cinestream/text/name_matching.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::catalog {
namespace {

// FNV-1a, kept positive and non-zero (ids travel as JSON numbers: below 2^53 stays exact).
std::int64_t fnv(std::string_view salt, std::string_view a, std::string_view b = {}) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(salt);
  mix(a);
  mix(b);
  return static_cast<std::int64_t>(h & ((1ULL << 52) - 1)) + 1;
}

}  // namespace

std::int64_t film_id_for(const MovieTitles& movie) {
  for (const auto* title : {&movie.en, &movie.local, &movie.ua, &movie.ru}) {
    auto keys = text::movie_keys(*title);
    if (!keys.empty() && !keys.front().empty()) return fnv("film", keys.front());
  }
  return fnv("film", normalize_key(movie.en + movie.local + movie.ua + movie.ru));
}

std::int64_t split_film_id(std::string_view city_id, std::int64_t movie_id) {
  return fnv("split", city_id, std::to_string(movie_id));
}

std::string film_search_key(std::string_view text) {
  return normalize_key(text);
}

}  // namespace cinestream::catalog
