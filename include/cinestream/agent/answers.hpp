#pragma once
// Turning the model's JSON into validated data. Everything from Gemini is untrusted: strings are
// length-limited and stripped of control characters, URLs must be plain http(s), showtimes must
// name a known cinema, fall on a requested day and carry a real time. What is dropped is counted.
#include <boost/json/value.hpp>

#include <chrono>
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
  std::chrono::minutes runtime{0};  // from a cinema site's schema.org duration; 0: unknown
};

struct DropCounts {
  int malformed = 0;         // not an object, missing fields
  int bad_time = 0;          // start_time not a real local time
  int outside_days = 0;      // a day that was not asked for
  int unknown_cinema = 0;    // a cinema not in the city's list
  int ambiguous_cinema = 0;  // as close to two known cinemas: never guessed
  int invented_cinema = 0;   // asked about, the model said it is no cinema of the city
  int total() const {
    return malformed + bad_time + outside_days + unknown_cinema + ambiguous_cinema +
           invented_cinema;
  }
  // Rows that may have been real showtimes of the days asked (a day not asked for is not a loss
  // of the days that were).
  int lost() const { return malformed + bad_time + unknown_cinema + ambiguous_cinema; }
  DropCounts& operator+=(const DropCounts& o);
};

// How answer rows' names were placed: spelled as known, recognised as a variant (similar
// spelling, or the same address/website), or asked about.
struct NameCounts {
  int exact = 0;
  int resolved = 0;  // variants recognised by the resolver
  int learned = 0;   // variants stored as aliases
  int asked = 0;     // unknown names put to the model
  NameCounts& operator+=(const NameCounts& o);
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

// The rows of an answer: the array itself, or the first array inside an object.
const boost::json::array* answer_rows(const boost::json::value& v);

std::vector<CinemaInfo> parse_cinemas(const boost::json::value& v, DropCounts& drops);
std::vector<MovieInfo> parse_movies(const boost::json::value& v, DropCounts& drops);
// Unknown or ambiguous cinema names go to `unplaced` (when given), with how often each came up,
// so the scrape can ask about them; spellings recognised as variants of a known cinema or movie
// go to `variants`, to be learned as aliases.
struct UnplacedName {
  std::string name;
  int rows = 0;
};
struct LearnedName {
  bool movie = false;
  std::string alias;
  std::size_t id = 0;  // index into the cinema or the movie list
  bool operator==(const LearnedName&) const = default;
};
std::vector<ShowtimeRow> parse_showtimes(const boost::json::value& v, const NameIndex& cinemas,
                                         const NameIndex& movies, const std::set<std::string>& days,
                                         const date::time_zone* zone, DropCounts& drops,
                                         NameCounts* names = nullptr,
                                         std::vector<UnplacedName>* unplaced = nullptr,
                                         std::vector<LearnedName>* variants = nullptr);

// Discovered cinemas with the same one listed twice under different spellings (an answer asked
// again, or a model naming it two ways) merged: the first spelling stays the name.
std::vector<CinemaInfo> merge_cinemas(std::vector<CinemaInfo> cinemas,
                                      const std::vector<std::string>& places);

}  // namespace cinestream::agent
