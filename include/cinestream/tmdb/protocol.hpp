#pragma once
// TMDB API v3 as data: the answers of /search/movie, /movie/{id} (with translations, external_ids
// and release_dates appended) and /configuration parsed into plain structs, TMDB's error body,
// and the pick of the search result that is the film a caller means. No I/O here.
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::tmdb {

// One entry of /search/movie's results[].
struct SearchResult {
  std::int64_t id = 0;
  std::string title;  // in the request's language
  std::string original_title;
  std::string original_language;
  std::string release_date;  // "YYYY-MM-DD" or "" (TMDB sends "" when unknown)
  std::optional<int> year;   // from release_date
  std::string overview;
  std::string poster_path;  // "/abc.jpg" or "" (null in the answer)
  std::vector<int> genre_ids;
  double popularity = 0;
  bool adult = false;
  // Not in search answers: a caller that fetched the details may fill it for best_match.
  std::optional<int> runtime;
};

// A title and overview in one language ("" when TMDB has none).
struct Localized {
  std::string title;
  std::string overview;
};

struct MovieDetails {
  std::int64_t id = 0;
  std::string title;  // in the request's language (en-US)
  std::string original_title;
  std::string original_language;
  std::string release_date;
  std::optional<int> year;
  std::optional<int> runtime;       // minutes; TMDB sends 0 or null when unknown
  std::vector<std::string> genres;  // names in the request's language
  std::string imdb_id;              // "tt..." or ""
  std::string poster_path;
  std::string poster_url;  // filled by the client from /configuration; "" without a poster
  // The certification for UA when TMDB has one, else for US, else "".
  std::string age_rating;
  std::string tagline;
  double popularity = 0;
  Localized en, uk, ru;  // from translations (en falls back on the top-level fields)
};

struct ImageConfig {
  std::string secure_base_url;  // "https://image.tmdb.org/t/p/"
  std::vector<std::string> poster_sizes;
  // {secure_base_url}{size}{path}, size w500 when offered (else the nearest larger, else the
  // largest); "" for an empty path.
  std::string poster_url(std::string_view poster_path) const;
};

// Each throws std::invalid_argument when the document is not the answer it parses.
std::vector<SearchResult> parse_search(const boost::json::value& doc);
MovieDetails parse_details(const boost::json::value& doc);
ImageConfig parse_configuration(const boost::json::value& doc);

// {"success":false,"status_code":7,"status_message":"Invalid API key: ..."}
struct ApiError {
  int status_code = 0;
  std::string status_message;
};
std::optional<ApiError> parse_error(std::string_view body);

// The year of "YYYY-MM-DD" (nullopt for "" or anything else).
std::optional<int> year_of(std::string_view release_date);

// What a caller knows about the film it looks for.
struct MatchQuery {
  std::string title;
  std::optional<int> year;
  std::optional<int> runtime;  // minutes
};

// The index of the result that is credibly the queried film, or nullopt. A candidate needs a
// title (its title or original title) as close as text::kSameNameThreshold under the name
// matcher's folding (case, punctuation, script, numbers must agree), and, when the year is known,
// a release within a year of it. Among candidates: closer title, then exact year, then agreeing
// runtime (when both are known, more than 20 minutes apart disqualifies), then popularity.
std::optional<std::size_t> best_match(const MatchQuery& query,
                                      const std::vector<SearchResult>& results);

}  // namespace cinestream::tmdb
