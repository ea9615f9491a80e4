#pragma once
// Calendar days and wall-clock times in a city's zone (Howard Hinnant's date/tz on the OS tzdb).
#include <date/date.h>
#include <date/tz.h>

#include <optional>
#include <string>
#include <string_view>

#include "cinestream/domain/location.hpp"

namespace cinestream {

// Strict YYYY-MM-DD that names a real day.
std::optional<date::year_month_day> parse_iso_date(std::string_view s);
std::string format_iso_date(date::year_month_day d);

// The zone, or nullptr when the name is unknown.
const date::time_zone* find_zone(std::string_view name);

struct TimeRange {
  SysSeconds begin;
  SysSeconds end;  // exclusive
};

// From local midnight of `day` to local midnight of the next day (23, 24 or 25 hours).
TimeRange local_day(const date::time_zone* zone, date::year_month_day day);
date::year_month_day local_date(const date::time_zone* zone, SysSeconds t);
// "2026-03-29T18:00:00+03:00"
std::string format_local_time(const date::time_zone* zone, SysSeconds t);
// "2026-03-29T16:00:00Z"
std::string format_utc(SysSeconds t);

struct LocalStart {
  date::year_month_day day;
  std::chrono::seconds time_of_day;
};
// A start time as written: its wall time and the UTC offset it states, if any.
struct StartStamp {
  LocalStart wall;
  // From "Z", "+03:00" or "+0300". Empty when none is written, and when two are ("Z-03:00", a
  // defect of real JSON-LD: a formatter that appends the zone to a string that already ends in
  // Z). Two designators that disagree cannot both be right, and the programme a cinema prints is
  // its local time, so the wall time is what such a stamp says (read in the city's zone).
  std::optional<std::chrono::minutes> offset;
  bool doubled = false;  // two designators were written
};
// "2026-11-21T18:00", "2026-11-21T18:00:00.000+02:00", "2026-11-21 18:00:00Z". nullopt when
// malformed (an offset past ±14:00 included).
std::optional<StartStamp> parse_start_stamp(std::string_view s);

// The wall time of parse_start_stamp; the offset is ignored (the city's zone decides, DST
// included), as for the model's answers. nullopt when malformed.
std::optional<LocalStart> parse_local_start(std::string_view s);

}  // namespace cinestream
