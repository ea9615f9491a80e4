#pragma once
// The storage interface: domain operations, not a document API. Implementations are blocking and
// thread-safe; request code reaches them only through AsyncStore, which runs them on the
// blocking pool.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/domain/movie.hpp"

namespace cinestream {

namespace http {
class Router;
}

// The store could not be reached or answered with an error; the API maps it to 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Installs the store's errors in the router's error table: StoreUnavailable -> 503 unavailable,
// Retry-After: 1.
void register_store_errors(http::Router& router);

enum class LockOutcome {
  acquired,      // the caller now owns the lock
  held,          // another owner holds an unexpired lease
  unknown_city,  // no such location
};

struct LockResult {
  LockOutcome outcome = LockOutcome::unknown_city;
  LocationState state;  // the state after the attempt
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates tables and indexes if missing. Idempotent; safe to run from several processes at once.
  virtual void ensure_schema() = 0;
  // Inserts missing locations and refreshes names/coordinates of known ones; keeps their state.
  // Returns how many were inserted.
  virtual std::size_t seed_locations(const std::vector<Location>& locations) = 0;

  virtual std::vector<Location> locations() = 0;
  virtual std::vector<LocationState> location_states() = 0;
  virtual std::optional<LocationState> location_state(std::string_view city_id) = 0;

  // Movies of a city with only the showtimes that start in [from, to), ordered by title.
  virtual std::vector<Movie> movies_between(std::string_view city_id, SysSeconds from,
                                            SysSeconds to) = 0;
  // Merges scraped movies into the city's data in one transaction; bumps data_version if anything
  // changed. Movies are matched by normalised title, theaters by normalised name and address,
  // showtimes by (theater, start, format, language).
  virtual MergeStats merge_movies(std::string_view city_id, const std::vector<Movie>& movies,
                                  SysSeconds now) = 0;
  // Deletes showtimes that started before `cutoff` and movies left without showtimes.
  virtual std::size_t prune_before(std::string_view city_id, SysSeconds cutoff) = 0;

  // City lock: atomic acquire when unlocked or the lease has lapsed.
  virtual LockResult try_lock_city(std::string_view city_id, std::string_view owner,
                                   std::string_view source, std::chrono::seconds lease,
                                   SysSeconds now) = 0;
  virtual bool renew_city_lock(std::string_view city_id, std::string_view owner,
                               std::chrono::seconds lease, SysSeconds now) = 0;
  // Releases only if `owner` still holds it; sets the final status (fresh/failed/stale).
  virtual bool release_city_lock(std::string_view city_id, std::string_view owner,
                                 ScrapeStatus final_status, std::string_view error,
                                 SysSeconds now) = 0;
  // Marks cities whose lease lapsed as stale and unlocked; returns their ids.
  virtual std::vector<std::string> expire_lapsed_locks(SysSeconds now) = 0;

  // Scrape coverage: the local days (YYYY-MM-DD) whose showtimes were scraped successfully, so the
  // next scrape asks only for the days still missing in its horizon.
  virtual std::vector<std::string> covered_days(std::string_view city_id, std::string_view from_day,
                                                std::string_view to_day) = 0;
  virtual void mark_covered(std::string_view city_id, const std::vector<std::string>& days,
                            SysSeconds now) = 0;
  // Forgets coverage of days before `before_day` (they left the horizon).
  virtual void prune_coverage(std::string_view city_id, std::string_view before_day) = 0;

  // Progress of the running scrape; only the lock holder may write it.
  virtual bool set_progress(std::string_view city_id, std::string_view owner,
                            std::string_view progress_json) = 0;

  // The daily Gemini budget, shared by every process: adds one call's spend to `day` if that keeps
  // it within the limits (atomic check-and-add) and returns whether it did.
  virtual bool charge_budget(std::string_view day, std::int64_t grounded_calls,
                             std::int64_t micro_usd, std::int64_t max_grounded_calls,
                             std::int64_t max_micro_usd) = 0;
  struct BudgetUse {
    std::int64_t grounded_calls = 0;
    std::int64_t micro_usd = 0;
  };
  virtual BudgetUse budget_used(std::string_view day) = 0;

  // The city's known cinemas (without showtimes), so a refresh need not ask for them again.
  virtual std::vector<Theater> theaters(std::string_view city_id) = 0;

  // Posters: the local copy of a movie's poster once downloaded.
  virtual void set_movie_poster(std::int64_t movie_id, std::string_view image_path) = 0;

  virtual void add_visits(std::int64_t n) = 0;
  virtual std::int64_t visits() = 0;

  // Throws StoreUnavailable when the store cannot serve.
  virtual void check_health() = 0;
};

struct StoreOptions {
  std::string data_dir;
  std::string mongo_uri;  // empty: the embedded store
  std::size_t max_connections = 8;
};

// Chooses the backend from the options.
std::unique_ptr<Store> open_store(const StoreOptions& options);

}  // namespace cinestream
