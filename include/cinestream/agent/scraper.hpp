#pragma once
// One city's scrape: (1) its cinemas, (2) the movies playing, (3) showtimes over the days missing
// from the 14-day horizon. Independent calls run concurrently under the Gemini client's bound;
// every unit is merged into the store as soon as it completes, and a day counts as covered only
// when all its units succeeded, so a crash loses nothing finished and the next scrape fills only
// the rest.
//
// Plans:
//   by_day (default): one call per missing day for all the city's cinemas; an answer cut short
//     (MAX_TOKENS) is split into two calls over half the cinemas each. 14 days: ~16 grounded calls.
//   per_movie_day (the original's): one call per movie per day, 15 x 14 = 210 grounded calls.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/agent/answers.hpp"
#include "cinestream/catalog/city_catalog.hpp"
#include "cinestream/gemini/client.hpp"
#include "cinestream/store/async_store.hpp"

namespace cinestream::agent {

enum class Plan { by_day, per_movie_day };
std::optional<Plan> parse_plan(std::string_view s);
std::string_view to_string(Plan p);

struct ScrapeOptions {
  Plan plan = Plan::by_day;
  int horizon_days = 14;
  int max_splits = 3;  // how often one day's unit may be halved after a cut-short answer
  // Reuse the cinemas and movies already stored instead of asking again (refreshes).
  bool reuse_known = true;
  // Ignore coverage and scrape the whole horizon (data older than the maximum age).
  bool full_refresh = false;
};

struct ScrapeProgress {
  std::string step = "starting";  // cinemas, movies, showtimes, done
  int units_done = 0;
  int units_total = 0;
  int units_failed = 0;
  gemini::Usage usage;
  DropCounts dropped;
  int showtimes_added = 0;
};

struct ScrapeReport {
  ScrapeProgress progress;
  std::vector<std::string> days_asked;
  std::vector<std::string> days_covered;
  std::string error;  // empty when every unit succeeded
  bool budget_exhausted = false;
};

// Raised by the budget hook to stop a scrape before a paid call.
class BudgetExhausted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScraperHooks {
  // Called before each paid call; throws BudgetExhausted to refuse it.
  std::function<boost::asio::awaitable<void>()> before_call;
  // Called after each call and unit with the running totals.
  std::function<void(const ScrapeProgress&)> on_progress;
  // The clock (tests move it).
  std::function<SysSeconds()> now;
};

class Scraper {
 public:
  Scraper(gemini::Client& client, AsyncStore& store, const CityCatalog& catalog,
          ScrapeOptions options, ScraperHooks hooks = {});

  boost::asio::awaitable<ScrapeReport> run(const Location& city);

 private:
  struct Run;
  boost::asio::awaitable<gemini::CallResult> call(Run& run, gemini::GenerateRequest request);
  // A list question (cinemas, movies) asked again when the answer held no JSON or was cut short;
  // the most complete answer wins.
  boost::asio::awaitable<gemini::CallResult> ask_list(Run& run,
                                                      const gemini::GenerateRequest& request);
  boost::asio::awaitable<void> showtimes_unit(Run& run, std::vector<std::string> days,
                                              std::vector<std::size_t> cinemas,
                                              std::vector<std::string> movies, int depth);

  gemini::Client& client_;
  AsyncStore& store_;
  const CityCatalog& catalog_;
  ScrapeOptions options_;
  ScraperHooks hooks_;
};

// Days (YYYY-MM-DD) of the horizon starting at `today`.
std::vector<std::string> horizon(date::year_month_day today, int days);

}  // namespace cinestream::agent
