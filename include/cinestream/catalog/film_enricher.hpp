#pragma once
// Metadata enrichment in the background: one process of a deployment (catalog::install gives it to
// worker 0, like the linker) looks up the films never enriched, and those whose last lookup failed
// transiently once their backoff has passed, with a MetadataProvider, within a budget of calls per
// hour, and records each outcome on the film (Film::enrichment). What a provider found replaces
// what the scrapes guessed, never with an empty value (apply_metadata); its poster is downloaded
// through the scraper's SSRF-safe, content-addressed downloader (PosterDownload).
//
// Failures: a transient one (rate limit, outage, timeout, garbage) schedules the film again with
// exponential backoff and ends the pass, so a struggling service is not pressed with the rest of
// the batch; after max_attempts the film is given up ("failed"). A film the provider refuses is
// "failed" at once. A provider that cannot work (credential refused) stops the enricher until the
// process restarts: no film is marked, and no request is repeated against a key that is wrong.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/catalog/metadata_provider.hpp"

namespace cinestream::catalog {

// Calls allowed in any 60 minutes (a sliding window, so a burst at the end of one hour and at the
// start of the next cannot double it). Holds one entry per charge, at most per_hour of them.
class CallBudget {
 public:
  explicit CallBudget(int per_hour) : per_hour_(per_hour) {}
  // Whether `calls` more fit in the hour ending at `now`.
  bool allows(SysSeconds now, int calls);
  void spend(SysSeconds now, std::int64_t calls);
  std::int64_t used(SysSeconds now);

 private:
  void expire(SysSeconds now);
  int per_hour_;
  std::int64_t used_ = 0;
  std::deque<std::pair<SysSeconds, std::int64_t>> spent_;
};

// Downloads a poster; the served path ("/posters/<sha256>.<ext>") or nullopt when refused or
// failed. The composition root hands in the scraper's (agent::ScrapeService::fetch_poster).
using PosterDownload =
    std::function<boost::asio::awaitable<std::optional<std::string>>(std::string url)>;

struct EnricherOptions {
  int budget_per_hour = 600;  // calls to the provider's service; 0 turns enrichment off
  std::chrono::milliseconds interval{5'000};
  std::size_t batch = 20;  // films per pass
  std::chrono::seconds first_retry{300};
  std::chrono::seconds max_retry{24 * 3600};
  int max_attempts = 8;               // transient failures before a film is given up
  std::function<SysSeconds()> clock;  // empty: the system clock
};

struct EnrichReport {
  std::size_t enriched = 0, not_found = 0, retry = 0, failed = 0;
  bool budget_exhausted = false;
  bool provider_disabled = false;
};

class FilmEnricher {
 public:
  FilmEnricher(Async<CatalogStore> store, MetadataProvider& provider, EnricherOptions options,
               PosterDownload posters = {});

  // One pass over the films due now.
  boost::asio::awaitable<EnrichReport> enrich_due();
  // A pass every `options.interval` until the loop stops.
  boost::asio::awaitable<void> run();

  bool disabled() const { return disabled_.load(); }
  std::string render_metrics() const;

 private:
  SysSeconds now() const;
  std::chrono::seconds backoff(int attempts) const;

  Async<CatalogStore> store_;
  MetadataProvider& provider_;
  EnricherOptions options_;
  PosterDownload posters_;
  CallBudget budget_;
  std::atomic<bool> disabled_{false};
  std::atomic<std::int64_t> enriched_{0}, not_found_{0}, retries_{0}, failed_{0},
      budget_exhausted_{0}, store_failures_{0}, posters_stored_{0}, calls_{0};
};

}  // namespace cinestream::catalog
