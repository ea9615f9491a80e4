#pragma once
// A cinema site's screenings (schema_screenings.hpp) as the scrape's rows: validated the way the
// model's answers are (answers.hpp) — a known cinema, a requested day in the city's zone, a real
// time — with what is dropped counted by the same reasons, so both sources go through one merge.
// Forgiving where real sites are sloppy: offsets written twice, local times without an offset,
// languages as codes or names, entities in names, the same screening listed twice.
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/agent/answers.hpp"
#include "cinestream/agent/schema_screenings.hpp"
#include "cinestream/domain/local_time.hpp"

namespace cinestream::agent {

// The instant a site's startDate names: with its UTC offset when it states one; in the city's
// zone when it states none, or two (parse_start_stamp: "...000Z-03:00" is read as wall time).
std::optional<SysSeconds> site_start(std::string_view start, const date::time_zone* zone);

// An ISO 8601 duration of a film ("PT2H", "PT1H45M", "PT105M", "P0DT2H10M", "PT6300S"), whole
// minutes, or nullopt when it is not one or is not a film's length (over 12 hours, or zero).
std::optional<std::chrono::minutes> parse_iso_duration(std::string_view s);

struct SiteContext {
  const NameIndex& cinemas;
  // The cinema whose website the page is on: the one a screening that names no cinema is at.
  std::optional<std::size_t> site_cinema;
  const std::set<std::string>& days;
  const date::time_zone* zone;
};

struct SiteRows {
  std::vector<ShowtimeRow> rows;
  int duplicates = 0;  // screenings listed twice (JSON-LD and microdata, or twice in one)
};

// Rows of every valid screening; each screening is either a row, a duplicate, or counted in
// `drops`. Movies are placed in `movies` through `movie_index`; a movie neither knows is added to
// both (its titles, poster, description, runtime), so rows' `movie` always indexes `movies`.
SiteRows site_rows(const PageScreenings& page, const SiteContext& context,
                   std::vector<MovieInfo>& movies, NameIndex& movie_index, DropCounts& drops);

}  // namespace cinestream::agent
