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
//
// Cinemas' own websites first (by_day, with a SiteReader): once the cinemas are known, their sites
// are read for schema.org showtimes (site_reader.hpp), validated like answers (site_schedule.hpp)
// and merged; a (cinema, day) a site covered with valid rows is not asked about. A day every
// cinema's site covered needs no call; the others ask only for the cinemas left, several days in
// one call while the cinemas x days stay within what one full-city day asks (so an answer is no
// longer than the model-only plan's). When the sites gave the movies, the movies call is saved too.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/agent/answers.hpp"
#include "cinestream/agent/scrape_store.hpp"
#include "cinestream/agent/site_reader.hpp"
#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/gemini/client.hpp"

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
  // Units in progress at once (each waits for a Gemini slot). Units not started yet make no call
  // once the scrape stops (lost lock, shutdown).
  int parallel_units = 8;
  // A day whose answers lost more than this share of their rows (dropped / (kept + dropped):
  // unknown or ambiguous cinemas, broken rows) is not covered: the scrape ends `partial` and the
  // day is asked again by the next one. A unit over it is first asked again once, with the known
  // names listed as the only ones to use.
  double max_day_loss = 0.05;
  // Read the cinemas' websites first (by_day plan, when the Scraper has a SiteReader).
  bool read_sites = true;
};

// What the cinemas' websites gave a scrape.
struct SiteCounts {
  int read = 0;  // sites read, by outcome below
  int structured = 0, partial = 0, none = 0, failing = 0, disallowed = 0;
  int skipped = 0;  // not read: remembered recently as without data, closed or failing
  int pages = 0, not_modified = 0;
  int rows = 0;         // showtimes taken from the sites
  int cinema_days = 0;  // (cinema, day) the sites covered: never asked of the model
  int calls_saved = 0;  // grounded calls the model-only plan would have made beyond ours
};

struct ScrapeProgress {
  std::string step = "starting";  // cinemas, movies, showtimes, done
  int units_done = 0;
  int units_total = 0;
  int units_failed = 0;
  gemini::Usage usage;
  DropCounts dropped;
  NameCounts names;
  int units_reasked = 0;  // asked again with the known names listed (loss over max_day_loss)
  int showtimes_added = 0;
  int model_rows = 0;  // showtimes rows taken from the model's answers
  SiteCounts sites;
};

struct ScrapeReport {
  ScrapeProgress progress;
  std::vector<std::string> days_asked;
  std::vector<std::string> days_covered;
  std::vector<std::string> days_lossy;  // answered, but too many rows dropped: not covered
  std::string error;                    // empty when every unit succeeded
  bool budget_exhausted = false;
  bool store_failed = false;  // a unit's store write failed: the scrape failed
  bool lock_lost = false;     // the lock passed to another owner: the remaining units stopped
  bool stopped = false;       // stopped from outside (lease lost, shutdown)
};

// Raised inside a scrape that was told to stop (hooks.stopped); its units end without writing.
class ScrapeStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
  // True once the scrape must stop (its lease was lost, the process shuts down): no further call
  // starts and no further result is written. Read on the scrape's loop.
  std::function<bool()> stopped;
  // The lock owner the scrape's writes are fenced with (merge_movies_fenced, mark_covered_fenced);
  // empty: unfenced writes (tools and tests that hold no lock).
  std::string owner;
};

class Scraper {
 public:
  // `sites`: the reader of cinemas' websites (nullptr: the model alone).
  Scraper(gemini::Client& client, Async<ScrapeStore> store, const CityCatalog& catalog,
          ScrapeOptions options, ScraperHooks hooks = {}, SiteReader* sites = nullptr);

  boost::asio::awaitable<ScrapeReport> run(const Location& city);

 private:
  struct Run;
  boost::asio::awaitable<gemini::CallResult> call(Run& run, gemini::GenerateRequest request);
  // A list question (cinemas, movies) asked again when the answer held no JSON or was cut short;
  // the most complete answer wins.
  boost::asio::awaitable<gemini::CallResult> ask_list(Run& run,
                                                      const gemini::GenerateRequest& request);
  // One unit of the group: never throws; a failure (Gemini, store, lost lock) fails its days and
  // is recorded in the run's report, so the scrape's outcome reflects it.
  boost::asio::awaitable<void> showtimes_unit(Run& run, std::vector<std::string> days,
                                              std::vector<std::size_t> cinemas,
                                              std::vector<std::string> movies, int depth);
  // The unit's work; returns whether its days are complete. Store errors propagate.
  boost::asio::awaitable<bool> showtimes_work(Run& run, const std::vector<std::string>& days,
                                              const std::vector<std::size_t>& cinemas,
                                              const std::vector<std::string>& movies, int depth);
  // The names no answer row could place, asked about in one ungrounded call; rows of names it
  // placed are stored after all, and days whose loss falls back under the limit are covered.
  boost::asio::awaitable<void> place_unknown_names(Run& run);
  // The cinemas' websites read, their valid rows merged and the (cinema, day) they covered noted.
  boost::asio::awaitable<void> read_sites(Run& run);
  // A lane of the group: runs queued units one after another until the queue is empty.
  boost::asio::awaitable<void> lane(Run& run);
  bool stopping(const Run& run) const;
  static std::vector<Movie> movies_of(const Run& run, const std::vector<ShowtimeRow>& rows);
  // The rows merged into the store (fenced by the lock owner); store errors propagate.
  boost::asio::awaitable<void> merge_rows(Run& run, const std::vector<ShowtimeRow>& rows);
  // The days marked covered; a store error or a lost lock is recorded in the report.
  boost::asio::awaitable<void> cover_days(Run& run, std::vector<std::string> days);

  gemini::Client& client_;
  Async<ScrapeStore> store_;
  const CityCatalog& catalog_;
  ScrapeOptions options_;
  ScraperHooks hooks_;
  SiteReader* sites_;
};

// The city's status after a scrape: `stopped` from outside (lease lost, shutdown), `failed` by
// an exception. Lost rows beyond ScrapeOptions::max_day_loss (days_lossy) make it `partial`.
ScrapeStatus final_status_of(const ScrapeReport& report, bool stopped, bool failed);

// Days (YYYY-MM-DD) of the horizon starting at `today`.
std::vector<std::string> horizon(date::year_month_day today, int days);

}  // namespace cinestream::agent
