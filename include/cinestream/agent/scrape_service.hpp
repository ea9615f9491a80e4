#pragma once
// Where a scrape goes: POST /api/scrape takes the city's lock in the store (one atomic operation,
// so of many requests across many processes exactly one starts the work), answers 202 at once and
// runs the scrape detached from the request. The holder renews its lease and writes its progress
// to the store; GET /api/scrape/status/{city} reads it from any process. A watchdog in every
// process frees the locks of holders that died. A per-client rate limit and a daily budget shared
// by all processes keep anyone from spending the Gemini budget.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cinestream/agent/poster_fetcher.hpp"
#include "cinestream/agent/scraper.hpp"
#include "cinestream/agent/site_reader.hpp"
#include "cinestream/cache/city_versions.hpp"
#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/gemini/client.hpp"
#include "cinestream/http/client_limits.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/net/http_client.hpp"
#include "cinestream/runtime/event_loops.hpp"

namespace cinestream::agent {

struct ScrapeServiceOptions {
  Plan plan = Plan::by_day;
  int horizon_days = 14;
  std::chrono::seconds lease{300};
  std::chrono::milliseconds watchdog_interval{15'000};
  std::chrono::seconds max_age{3 * 24 * 3600};  // older data is scraped again in full
  double rate_per_minute = 6;                   // scrape requests per client
  double rate_burst = 6;
  std::int64_t budget_grounded_calls = 1500;  // per UTC day, all processes together
  double budget_usd = 25.0;
  gemini::ClientOptions gemini;  // base URL, key, model, deadlines
  std::size_t gemini_max_in_flight = 8;
  net::HttpClientOptions http;
  PosterOptions posters;
  // Cinemas' own websites read before the model is asked (Scraper, by_day plan).
  bool read_sites = true;
  SiteReaderOptions sites;
};

class ScrapeService {
 public:
  ScrapeService(EventLoops& loops, const CityCatalog& catalog, Async<ScrapeStore> store,
                CityVersions& versions, ScrapeServiceOptions options);
  ~ScrapeService();

  void register_routes(http::Router& router);
  // Expires lapsed leases every watchdog interval until the loop stops.
  boost::asio::awaitable<void> watchdog();

  boost::asio::awaitable<http::Reply> start(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> status(http::RequestContext& ctx);
  // Server-Sent Events: the status document each time it changes, until the scrape ends.
  boost::asio::awaitable<http::Reply> events(http::RequestContext& ctx);

  // SIGTERM: stops this process's scrapes (no further call or write) and releases their locks as
  // stale, keeping the days they covered, so another process can take the cities over at once.
  boost::asio::awaitable<void> shutdown();

  // One poster through this loop's downloader (PosterFetcher::fetch: SSRF-safe, size-limited,
  // content-addressed): its served path, or nullopt when refused or failed. Other features'
  // posters (the catalogue's enrichment) come through here too, counted in the same metrics.
  boost::asio::awaitable<std::optional<std::string>> fetch_poster(std::string url);

  const gemini::UsageMeter& usage() const { return meter_; }
  std::string render_metrics() const;
  const std::string& owner_prefix() const { return owner_prefix_; }

 private:
  struct Running;
  // One status poll per city per process, fanned out to every SSE stream of that city.
  struct StatusFeed;
  struct FeedSubscriber;
  std::shared_ptr<StatusFeed> join_feed(const Location& city, std::shared_ptr<FeedSubscriber> sub);
  void leave_feed(const std::shared_ptr<StatusFeed>& feed, const FeedSubscriber* sub);
  boost::asio::awaitable<void> poll_feed(std::shared_ptr<StatusFeed> feed);
  // The status document of a city (nullopt: not in the store).
  boost::asio::awaitable<std::optional<std::string>> status_document(const Location& city);
  boost::asio::awaitable<void> run(const Location* city, std::string owner, bool full_refresh);
  boost::asio::awaitable<void> heartbeat(std::shared_ptr<Running> running);
  bool allow_client(const boost::asio::ip::address& client, std::chrono::seconds& retry_after);
  // Room for one more call at a conservative estimate (the test before every paid call).
  bool budget_has_room(const BudgetUse& used) const;
  boost::asio::awaitable<void> check_budget();
  boost::asio::awaitable<void> record_billed(gemini::Usage usage);
  gemini::Client& client_for_this_loop();

  EventLoops& loops_;
  const CityCatalog& catalog_;
  Async<ScrapeStore> store_;
  CityVersions& versions_;
  ScrapeServiceOptions options_;
  gemini::UsageMeter meter_;
  gemini::CallLimiter limiter_;
  std::vector<std::unique_ptr<net::HttpClient>> http_;    // one per event loop
  std::vector<std::unique_ptr<gemini::Client>> clients_;  // one per event loop
  PosterStats poster_stats_;
  std::vector<std::unique_ptr<PosterFetcher>> posters_;  // one per event loop
  std::unique_ptr<SiteReaderShared> sites_shared_;
  std::vector<std::unique_ptr<SiteReader>> sites_;  // one per event loop
  std::string owner_prefix_;                        // host:pid:random
  std::atomic<std::uint64_t> scrape_counter_{0};
  std::atomic<int> running_{0};
  std::mutex scrapes_mutex_;
  std::map<std::string, std::shared_ptr<Running>> scrapes_;  // by owner; this process's scrapes
  bool shutting_down_ = false;                               // guarded by scrapes_mutex_
  std::mutex feeds_mutex_;  // guards feeds_ and every feed's fields
  std::map<std::string, std::shared_ptr<StatusFeed>> feeds_;  // cities with SSE subscribers
  std::atomic<std::uint64_t> status_polls_{0};                // status documents read
  // Answer rows' names and dropped rows over this process's finished scrapes (/metrics).
  struct NameTotals {
    std::atomic<std::uint64_t> exact{0}, resolved{0}, learned{0}, asked{0};
    std::atomic<std::uint64_t> malformed{0}, bad_time{0}, outside_days{0}, unknown_cinema{0},
        ambiguous_cinema{0}, invented_cinema{0}, reasked_units{0}, lossy_days{0};
    // Showtime rows by source, cinema sites by outcome, grounded calls the sites saved.
    std::atomic<std::uint64_t> site_rows{0}, model_rows{0}, calls_saved{0}, site_cinema_days{0};
    std::atomic<std::uint64_t> sites_structured{0}, sites_partial{0}, sites_none{0},
        sites_failing{0}, sites_disallowed{0}, sites_skipped{0};
  };
  NameTotals name_totals_;
  // Open event streams per client (guarded by feeds_mutex_): one client cannot hold them all.
  std::map<http::ClientKey, std::size_t> streams_by_client_;

  std::mutex buckets_mutex_;
  // Bounded: past 10,000 clients only refilled buckets are forgotten, else new clients wait.
  http::BoundedTable<http::ClientKey, http::TokenBucket, http::ClientKeyHash> buckets_{10'000};
};

}  // namespace cinestream::agent
