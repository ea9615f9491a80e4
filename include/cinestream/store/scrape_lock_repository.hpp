#pragma once
// The city lock of a scrape: a lease on the location, owned by one scrape in one process.
// Every operation here is one atomic step on both backends (SQLite: one statement or IMMEDIATE
// transaction; MongoDB: one filtered update or findAndModify of the location document).
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream {

enum class LockOutcome {
  acquired,      // the caller now owns the lock
  held,          // another owner holds an unexpired lease
  unknown_city,  // no such location
};

struct LockResult {
  LockOutcome outcome = LockOutcome::unknown_city;
  LocationState state;  // the state after the attempt
};

class ScrapeLockRepository {
 public:
  virtual ~ScrapeLockRepository() = default;

  // Atomic acquire when unlocked or the lease has lapsed.
  virtual LockResult try_lock_city(std::string_view city_id, std::string_view owner,
                                   std::string_view source, std::chrono::seconds lease,
                                   SysSeconds now) = 0;
  virtual bool renew_city_lock(std::string_view city_id, std::string_view owner,
                               std::chrono::seconds lease, SysSeconds now) = 0;
  // Releases only if `owner` still holds it; sets the final status (fresh/failed/stale).
  virtual bool release_city_lock(std::string_view city_id, std::string_view owner,
                                 ScrapeStatus final_status, std::string_view error,
                                 SysSeconds now) = 0;
  // Marks cities whose lease lapsed as stale and unlocked; returns their ids, each reported to
  // exactly one caller.
  virtual std::vector<std::string> expire_lapsed_locks(SysSeconds now) = 0;

  // Progress of the running scrape; only the lock holder may write it.
  virtual bool set_progress(std::string_view city_id, std::string_view owner,
                            std::string_view progress_json) = 0;
};

}  // namespace cinestream
