#pragma once
// Scrape coverage: the local days (YYYY-MM-DD) whose showtimes were scraped successfully, so the
// next scrape asks only for the days still missing in its horizon.
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream {

class CoverageRepository {
 public:
  virtual ~CoverageRepository() = default;

  virtual std::vector<std::string> covered_days(std::string_view city_id, std::string_view from_day,
                                                std::string_view to_day) = 0;
  // SQLite: all days in one transaction; MongoDB: one upsert per day (idempotent).
  virtual void mark_covered(std::string_view city_id, const std::vector<std::string>& days,
                            SysSeconds now) = 0;
  // mark_covered fenced by the city's lock: LockLost unless `owner` holds it. SQLite checks the
  // owner in the same transaction; MongoDB checks it with one atomic update of the location just
  // before the days are written (a takeover in between is not seen).
  virtual void mark_covered_fenced(std::string_view city_id, std::string_view owner,
                                   const std::vector<std::string>& days, SysSeconds now) = 0;
  // Forgets coverage of days before `before_day` (they left the horizon).
  virtual void prune_coverage(std::string_view city_id, std::string_view before_day) = 0;
};

}  // namespace cinestream
