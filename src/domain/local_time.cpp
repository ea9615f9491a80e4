#include "cinestream/domain/local_time.hpp"

#include <fmt/format.h>

#include <cctype>
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

std::optional<StartStamp> parse_start_stamp(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return std::nullopt;
  auto day = parse_iso_date(s.substr(0, 10));
  auto hh = digits(11, 2), mm = digits(14, 2);
  if (!day || !hh || !mm || *hh > 23 || *mm > 59) return std::nullopt;
  int ss = 0;
  std::size_t rest = 16;
  if (s.size() >= 19 && s[16] == ':') {
    auto sec = digits(17, 2);
    if (!sec || *sec > 59) return std::nullopt;
    ss = *sec;
    rest = 19;
    if (rest < s.size() && s[rest] == '.') {  // fractions, as some sites write them
      ++rest;
      while (rest < s.size() && std::isdigit(static_cast<unsigned char>(s[rest])))
        ++rest;
    }
  }
  StartStamp out;
  out.wall = {*day, std::chrono::hours(*hh) + std::chrono::minutes(*mm) + std::chrono::seconds(ss)};
  auto tail = s.substr(rest);
  bool zulu = !tail.empty() && tail.front() == 'Z';
  if (zulu) {
    tail.remove_prefix(1);
    ++rest;
  }
  if (tail.empty()) {
    if (zulu) out.offset = std::chrono::minutes{0};
    return out;
  }
  // "+03:00" or "+0300"; "+3" and "+03" are too short to be sure of.
  bool colon = tail.size() == 6 && tail[3] == ':';
  if ((tail.size() != 5 && !colon) || (tail[0] != '+' && tail[0] != '-')) return std::nullopt;
  auto oh = digits(rest + 1, 2), om = digits(rest + (colon ? 4 : 3), 2);
  if (!oh || !om || *om > 59 || *oh * 60 + *om > 14 * 60) return std::nullopt;
  std::chrono::minutes offset{(*oh * 60 + *om) * (tail[0] == '-' ? -1 : 1)};
  out.doubled = zulu;
  if (!zulu || offset.count() == 0) out.offset = offset;  // "Z+00:00" agrees with itself
  return out;
}

std::optional<LocalStart> parse_local_start(std::string_view s) {
  auto stamp = parse_start_stamp(s);
  if (!stamp) return std::nullopt;
  return stamp->wall;
}

}  // namespace cinestream
