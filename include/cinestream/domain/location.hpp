#pragma once
// A city the site serves, and the state of its scraped data.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cinestream/domain/language.hpp"

namespace cinestream {

using SysSeconds = std::chrono::sys_seconds;

struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

// Great-circle distance in kilometres.
double distance_km(GeoPoint a, GeoPoint b);

struct Location {
  std::string id;  // stable slug, e.g. "kyiv"
  LocalizedText name;
  LocalizedText country;
  std::string country_code;  // ISO 3166-1 alpha-2
  GeoPoint geo;
  std::string tz;  // IANA zone, e.g. "Europe/Kyiv"
  std::int64_t population = 0;
};

// fresh: data covers the horizon; processing: a scrape holds the lock; stale: data missing or old;
// failed: the last scrape failed (error says why); partial: the last scrape stopped short of the
// horizon for a reason that is not a fault (the daily budget ran out), keeping what it stored.
enum class ScrapeStatus { fresh, processing, stale, failed, partial };
std::string_view to_string(ScrapeStatus s);
std::optional<ScrapeStatus> parse_scrape_status(std::string_view s);

struct LocationState {
  std::string city_id;
  ScrapeStatus status = ScrapeStatus::stale;
  std::optional<SysSeconds> last_updated;
  std::string lock_owner;
  std::optional<SysSeconds> lock_expires;
  std::string lock_source;
  std::string error;
  // The running scrape's progress as JSON (step, units done/total, calls, tokens, cost); written
  // by the lock holder so every process can show it.
  std::string progress;
  // Bumped on every change to the city's movies, in any process: caches compare against it.
  std::int64_t data_version = 0;
};

}  // namespace cinestream
