#pragma once
// The TMDB stand-in's films: every film the Gemini stand-in's world shows in any city of the
// catalogue (same seed, same titles in en/uk/ru, same posters), each with a TMDB id, a release
// year (this year or last: they are in cinemas now), runtime, genres, an IMDb id, certifications
// and translations; plus decoys that make matching a real question: for each film an older film
// of the same title (for a third of the films more popular than it, so only the year tells them
// apart) and a sequel whose title differs only by its number. Deterministic from the seed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/gemini_sim/world.hpp"

namespace cinestream::tmdb_sim {

struct SimText {
  std::string title;
  std::string overview;
  std::string tagline;
};

struct SimFilm {
  std::int64_t id = 0;
  std::string original_language;  // "en" or "uk"
  std::string original_title;
  std::string release_date;  // YYYY-MM-DD
  int year = 0;
  int runtime = 0;
  std::vector<int> genre_ids;
  std::string imdb_id;
  double popularity = 0;
  std::string cert_ua;  // "" for a fifth of the films: the US one is the fallback
  std::string cert_us;
  std::string poster_path;  // "/<slug>-<id>.png"
  std::string poster_slug;  // gemini_sim::World::poster_png's key
  SimText en, uk, ru;
  // The English title of the Gemini film this decoy imitates ("" for the films themselves).
  std::string decoy_of;
};

struct TmdbWorldOptions {
  std::uint64_t seed = 1;
  int this_year = 0;  // 0: the system clock's year
};

class World {
 public:
  // `films`: the Gemini world's films (by English title, duplicates ignored).
  World(TmdbWorldOptions options, const std::vector<gemini_sim::SimMovie>& films);
  // The films of `gemini` in every city of `catalog`.
  static World from_gemini(const gemini_sim::World& gemini, const CityCatalog& catalog,
                           int this_year = 0);
  // The same films as a Gemini stand-in built with gemini_sim::WorldOptions{seed} (defaults
  // otherwise: 15 films a city).
  static World from_seed(std::uint64_t seed, const CityCatalog& catalog, int this_year = 0);

  const TmdbWorldOptions& options() const { return options_; }
  const std::vector<SimFilm>& films() const { return films_; }
  const SimFilm* find(std::int64_t id) const;
  // The film (not a decoy) with this English title.
  const SimFilm* film_titled(std::string_view en_title) const;
  // /search/movie: every film with each word of `query` starting a word of one of its titles
  // (en, original, uk, ru; case and punctuation folded), released in `year` when given, most
  // popular first.
  std::vector<const SimFilm*> search(std::string_view query, std::optional<int> year) const;
  // The poster at `path` ("/<slug>-<id>.png"), a small valid PNG; nullopt for an unknown path.
  std::optional<std::string> poster_png(std::string_view path) const;

 private:
  TmdbWorldOptions options_;
  gemini_sim::World posters_;
  std::vector<SimFilm> films_;  // ordered by id
};

// TMDB's movie genres (id, English name), for /movie/{id}'s genres[].
std::string_view genre_name(int id);

}  // namespace cinestream::tmdb_sim
