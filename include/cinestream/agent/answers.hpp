#pragma once
// Turning the model's JSON into validated data. Everything from Gemini is untrusted: strings are
// length-limited and stripped of control characters, URLs must be plain http(s), showtimes must
// name a known cinema, fall on a requested day and carry a real time. What is dropped is counted.
#include <boost/json/value.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/domain/movie.hpp"
#include "cinestream/text/clean_text.hpp"
#include "cinestream/text/name_matching.hpp"

namespace cinestream::agent {

// Answers are matched against the names a scrape already knows.
using text::NameIndex;

struct CinemaInfo {
  std::string name;
  std::string address;
  std::string website;
};

struct MovieInfo {
  MovieTitles title;
  LocalizedText description;
  std::string image_url;
};

struct DropCounts {
  int malformed = 0;       // not an object, missing fields
  int bad_time = 0;        // start_time not a real local time
  int outside_days = 0;    // a day that was not asked for
  int unknown_cinema = 0;  // a cinema not in the city's list
  int total() const { return malformed + bad_time + outside_days + unknown_cinema; }
  DropCounts& operator+=(const DropCounts& o);
};

struct ShowtimeRow {
  std::size_t cinema = 0;            // index into the cinema list
  std::optional<std::size_t> movie;  // index into the movie list, when recognised
  std::string movie_title;           // as answered (cleaned), for movies not in the list
  std::string day;                   // local YYYY-MM-DD
  SysSeconds start;
  std::string format;
  std::string language;
  std::string hall;
};

using cinestream::clean_text;  // in the text module: requests' names are cleaned the same way
// An http(s) URL without credentials, else empty.
std::string clean_url(std::string_view s);

std::vector<CinemaInfo> parse_cinemas(const boost::json::value& v, DropCounts& drops);
std::vector<MovieInfo> parse_movies(const boost::json::value& v, DropCounts& drops);
std::vector<ShowtimeRow> parse_showtimes(const boost::json::value& v, const NameIndex& cinemas,
                                         const NameIndex& movies, const std::set<std::string>& days,
                                         const date::time_zone* zone, DropCounts& drops);

}  // namespace cinestream::agent
