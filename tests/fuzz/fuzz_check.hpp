#pragma once
// Shared by the libFuzzer targets: an invariant check that reports and aborts (libFuzzer then
// saves the input as a crash), and small helpers.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/agent/answers.hpp"
#include "cinestream/domain/local_time.hpp"

#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace cinestream::fuzz {

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF), as Boost.JSON accepts it.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // cut short
    for (std::size_t k = 1; k <= n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// ASCII only (bytes >= 0x80 become '?'), so a string survives any JSON round trip.
inline std::string ascii(std::string s) {
  for (auto& c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  return s;
}

// Text as clean_text leaves it: no control characters, trimmed, within `max`, valid UTF-8.
inline void check_clean(const std::string& s, std::size_t max) {
  FUZZ_CHECK(s.size() <= max);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u > 0x20 || u == ' ');
    FUZZ_CHECK(u != 0x7f);
  }
  if (!s.empty()) FUZZ_CHECK(s.front() != ' ' && s.back() != ' ');
  FUZZ_CHECK(valid_utf8(s));
}

// What a scrape asks for, read from the input's end (seeds.py writes these bytes last): the
// city's zone (one of `zones`), then the first day (from 2026-01-01) and how many days.
struct AskedDays {
  const date::time_zone* zone = nullptr;
  std::set<std::string> days;
};
inline AskedDays asked_days(FuzzedDataProvider& in, const std::vector<std::string>& zones) {
  AskedDays out;
  out.zone =
      cinestream::find_zone(zones[in.ConsumeIntegralInRange<std::size_t>(0, zones.size() - 1)]);
  FUZZ_CHECK(out.zone != nullptr);
  auto first = in.ConsumeIntegralInRange<int>(0, 400);
  auto ndays = in.ConsumeIntegralInRange<int>(1, 14);
  auto day0 = date::sys_days{date::year{2026} / 1 / 1} + date::days{first};
  for (int i = 0; i < ndays; ++i)
    out.days.insert(cinestream::format_iso_date(date::year_month_day{day0 + date::days{i}}));
  return out;
}

// A row as every source must leave it (model answers, cinema sites): on an asked day, starting
// inside that local day of the city's zone, its text clean.
inline void check_row(const agent::ShowtimeRow& r, const AskedDays& asked) {
  FUZZ_CHECK(asked.days.contains(r.day));
  auto day = cinestream::parse_iso_date(r.day);
  FUZZ_CHECK(day.has_value());
  auto range = cinestream::local_day(asked.zone, *day);
  FUZZ_CHECK(r.start >= range.begin && r.start < range.end);
  FUZZ_CHECK(cinestream::local_date(asked.zone, r.start) == *day);
  FUZZ_CHECK(!r.movie_title.empty());
  check_clean(r.movie_title, 200);
  check_clean(r.format, 20);
  check_clean(r.language, 60);
  check_clean(r.hall, 40);
}

}  // namespace cinestream::fuzz
