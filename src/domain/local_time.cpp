#include "cinestream/domain/local_time.hpp"

#include <fmt/format.h>

#include <charconv>

namespace cinestream {

std::optional<date::year_month_day> parse_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
    }
    std::from_chars(s.data() + pos, s.data() + pos + len, v);
    return v;
  };
  auto y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (!y || !m || !d) return std::nullopt;
  date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*m)},
                           date::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

std::string format_iso_date(date::year_month_day d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

TimeRange local_day(const date::time_zone* zone, date::year_month_day day) {
  auto midnight = date::local_days{day};
  auto next = midnight + date::days{1};
  // earliest: a midnight that falls into a DST gap starts at the first instant after it.
  auto begin = zone->to_sys(date::local_seconds{midnight}, date::choose::earliest);
  auto end = zone->to_sys(date::local_seconds{next}, date::choose::earliest);
  return {std::chrono::time_point_cast<std::chrono::seconds>(begin),
          std::chrono::time_point_cast<std::chrono::seconds>(end)};
}

date::year_month_day local_date(const date::time_zone* zone, SysSeconds t) {
  auto local = zone->to_local(t);
  return date::year_month_day{date::floor<date::days>(local)};
}

std::string format_local_time(const date::time_zone* zone, SysSeconds t) {
  auto info = zone->get_info(t);
  auto local = t + info.offset;
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::hh_mm_ss<std::chrono::seconds> tod{local - day};
  auto off = info.offset.count();
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), tod.hours().count(), tod.minutes().count(),
                     tod.seconds().count(), sign, off / 3600, (off % 3600) / 60);
}

std::string format_utc(SysSeconds t) {
  auto day = date::floor<date::days>(t);
  date::year_month_day ymd{day};
  date::hh_mm_ss<std::chrono::seconds> tod{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count());
}

}  // namespace cinestream
