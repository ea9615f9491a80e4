#include "cinestream/domain/location.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cinestream {

double distance_km(GeoPoint a, GeoPoint b) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = std::numbers::pi / 180.0;
  double dlat = (b.lat - a.lat) * kRad;
  double dlon = (b.lon - a.lon) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.lat * kRad) *
                                                           std::cos(b.lat * kRad) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

std::string_view to_string(ScrapeStatus s) {
  switch (s) {
    case ScrapeStatus::fresh:
      return "fresh";
    case ScrapeStatus::processing:
      return "processing";
    case ScrapeStatus::failed:
      return "failed";
    case ScrapeStatus::partial:
      return "partial";
    case ScrapeStatus::stale:
      break;
  }
  return "stale";
}

std::optional<ScrapeStatus> parse_scrape_status(std::string_view s) {
  if (s == "fresh") return ScrapeStatus::fresh;
  if (s == "processing") return ScrapeStatus::processing;
  if (s == "stale") return ScrapeStatus::stale;
  if (s == "failed") return ScrapeStatus::failed;
  if (s == "partial") return ScrapeStatus::partial;
  return std::nullopt;
}

}  // namespace cinestream
