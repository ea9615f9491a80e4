#pragma once
// Where the catalogue's metadata comes from (TMDB, else one Gemini call per film): given what the
// scrapes know of a film, what a provider found, or nothing credible. The implementations live in
// the modules that speak to those services (tmdb/metadata_provider.hpp,
// gemini_metadata/metadata_provider.hpp); the enricher (film_enricher.hpp) only sees this.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/catalog/film.hpp"

namespace cinestream::catalog {

// What a provider knows of a film; empty fields (0, "") are unknown and never stored over a value.
struct FilmMetadata {
  FilmTitles title;
  int year = 0;
  int runtime_minutes = 0;
  std::vector<std::string> genres;
  LocalizedText overview;
  std::string poster_url;
  std::string age_rating;
  std::int64_t tmdb_id = 0;
  std::string imdb_id;
};

enum class MetadataFailure {
  transient,  // try this film again later (rate limit, outage, timeout, an unreadable answer)
  film,       // this film cannot be looked up (the provider refuses the request): give up on it
  provider,   // the provider cannot work at all (credential refused, misconfigured): stop asking
};
std::string_view to_string(MetadataFailure f);

class MetadataError : public std::runtime_error {
 public:
  MetadataError(MetadataFailure failure, const std::string& message)
      : std::runtime_error(message), failure_(failure) {}
  MetadataFailure failure() const { return failure_; }

 private:
  MetadataFailure failure_;
};

class MetadataProvider {
 public:
  virtual ~MetadataProvider() = default;

  // "tmdb", "gemini": recorded on the film and in logs.
  virtual std::string_view name() const = 0;
  // The most calls to the service one lookup may make (retries aside): the enricher starts a
  // lookup only when its budget holds that many.
  virtual int max_calls_per_lookup() const = 0;
  // Calls made to the service so far (every attempt, retries included): what the budget is
  // charged.
  virtual std::int64_t calls_made() const = 0;
  // What the provider knows of `film` (its titles, year and runtime identify it); nullopt when it
  // knows no film credibly the same. Throws MetadataError; must not throw anything else.
  virtual boost::asio::awaitable<std::optional<FilmMetadata>> lookup(Film film) = 0;
};

}  // namespace cinestream::catalog
