#pragma once
// The screenings a page publishes as schema.org data (JSON-LD or microdata, read by
// page_markup.hpp), one per ScreeningEvent/Event, however the site shapes them: a list, an
// @graph, a MovieTheater or Movie with event[]/events[], subEvent, @type as a string or a list,
// workPresented as a Movie or a list, location as a MovieTheater, a ScreeningRoom or a Place
// inside one (containedInPlace), offers as one Offer or a list. Values are kept as written
// (entities decoded, text cleaned and bounded, URLs made absolute against the page); whether
// they make a valid showtime is decided later (site_schedule.hpp).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/agent/page_markup.hpp"

namespace cinestream::agent {

struct Screening {
  std::string cinema;  // the MovieTheater's name; empty when the event names none
  std::string cinema_address;
  std::string cinema_url;
  std::string hall;                     // the ScreeningRoom's name
  std::string movie;                    // the Movie's name (or the event's, without a Movie)
  std::vector<std::string> alternates;  // alternateName, originalTitle
  std::string movie_language;           // the Movie's inLanguage: its original language
  std::string movie_image;
  std::string movie_description;
  std::string start;  // startDate as written
  std::string video_format;
  std::string language;  // the screening's inLanguage
  std::string subtitle_language;
  std::string duration;  // as written (ISO 8601: "PT1H45M")
  std::string offer_url;
  bool operator==(const Screening&) const = default;
};

struct PageScreenings {
  std::vector<Screening> screenings;
  std::string lang;        // the page's language (<html lang>)
  int blocks = 0;          // JSON-LD blocks read
  int blocks_invalid = 0;  // and those that did not parse
  bool truncated = false;  // the page, or the list of screenings, was cut at its limit
};

inline constexpr std::size_t kMaxScreeningsPerPage = 2000;

// The screenings in already-read markup; `page_url` makes relative URLs absolute.
PageScreenings schema_screenings(const PageMarkup& markup, std::string_view page_url,
                                 std::size_t max_screenings = kMaxScreeningsPerPage);
// The page read and its screenings found, in one step.
PageScreenings extract_screenings(std::string_view html, std::string_view page_url,
                                  const std::string& encoding = {});

}  // namespace cinestream::agent
