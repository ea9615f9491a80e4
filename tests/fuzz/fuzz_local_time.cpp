// Dates and wall-clock times: parse_iso_date, parse_local_start (the answers' start_time), and the
// zone arithmetic behind "today in the city" (local_day, local_date, format_local_time).
// Invariants: strict parses round-trip through formatting; a local day is 22..26 hours long, its
// instants map back to it, and every instant falls into the local day its zone names.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cinestream/agent/answers.hpp"
#include "cinestream/domain/local_time.hpp"
#include "fuzz_check.hpp"

namespace {
using namespace std::chrono_literals;

// Every zone of the bundled cities has ordinary DST rules; these cover the kinds there are.
const std::vector<std::string> kZones = {"Europe/Kyiv",       "America/New_York",
                                         "Australia/Sydney",  "Asia/Kolkata",
                                         "Pacific/Auckland",  "Europe/London",
                                         "America/Sao_Paulo", "Asia/Shanghai",
                                         "Europe/Simferopol", "UTC"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto* zone =
      cinestream::find_zone(kZones[in.ConsumeIntegralInRange<std::size_t>(0, kZones.size() - 1)]);
  FUZZ_CHECK(zone != nullptr);
  // An instant between 1990 and 2100 and a calendar day in the same span.
  auto t = cinestream::SysSeconds{
      std::chrono::seconds{in.ConsumeIntegralInRange<std::int64_t>(631152000, 4102444800)}};
  auto y = in.ConsumeIntegralInRange<int>(1990, 2099);
  auto m = in.ConsumeIntegralInRange<unsigned>(1, 12);
  auto d = in.ConsumeIntegralInRange<unsigned>(1, 31);
  auto text = in.ConsumeRemainingBytesAsString();

  if (auto day = cinestream::parse_iso_date(text)) {
    FUZZ_CHECK(day->ok());
    FUZZ_CHECK(cinestream::format_iso_date(*day) == text);
  }
  if (auto start = cinestream::parse_local_start(text)) {
    FUZZ_CHECK(start->day.ok());
    FUZZ_CHECK(cinestream::format_iso_date(start->day) == text.substr(0, 10));
    FUZZ_CHECK(start->time_of_day >= 0s && start->time_of_day < 24h);
  }

  // The instant lies in the local day its zone says it is on.
  auto local = cinestream::local_date(zone, t);
  auto range = cinestream::local_day(zone, local);
  FUZZ_CHECK(t >= range.begin && t < range.end);
  // What the API prints for it reads back as the same local wall time.
  auto printed = cinestream::format_local_time(zone, t);
  auto wall = cinestream::parse_local_start(printed);
  FUZZ_CHECK(wall.has_value());
  FUZZ_CHECK(wall->day == local);
  auto info = zone->get_info(t);
  auto local_tod = (t + info.offset) - date::floor<date::days>(t + info.offset);
  FUZZ_CHECK(wall->time_of_day == std::chrono::duration_cast<std::chrono::seconds>(local_tod));
  auto utc = cinestream::format_utc(t);
  FUZZ_CHECK(utc.ends_with("Z"));
  auto utc_wall = cinestream::parse_local_start(utc);
  FUZZ_CHECK(utc_wall.has_value());
  FUZZ_CHECK(date::sys_days{utc_wall->day} + utc_wall->time_of_day == t);

  date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return 0;
  auto r = cinestream::local_day(zone, ymd);
  FUZZ_CHECK(r.end - r.begin >= 22h && r.end - r.begin <= 26h);
  FUZZ_CHECK(cinestream::local_date(zone, r.begin) == ymd);
  FUZZ_CHECK(cinestream::local_date(zone, r.end - 1s) == ymd);
  FUZZ_CHECK(cinestream::local_date(zone, r.end) != ymd);
  // Consecutive days tile time without gaps or overlaps.
  auto next =
      cinestream::local_day(zone, date::year_month_day{date::sys_days{ymd} + date::days{1}});
  FUZZ_CHECK(next.begin == r.end);
  return 0;
}
