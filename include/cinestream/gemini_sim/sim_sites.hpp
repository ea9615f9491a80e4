#pragma once
// Cinema websites on loopback, for the scrape's site reader (issue #20): every cinema of the world
// has a site of its own at "http://<slug>-<city-id>.localhost:<port>/" (World::cinemas gives the
// address once SimServer serves sites), shaped like real cinema sites and independent of HTTP like
// SimService. Deterministic per (seed, city, cinema): a site's kind, language (uk for Ukrainian
// cities, some en and ru), menu words and paths, layout (all 14 days on the schedule page, or a
// page per day linked from it, today's screenings on the home page too), robots.txt
// (Crawl-delay, Disallow: /admin, Sitemap). About half the sites of a city publish their
// screenings as schema.org data; those publish exactly the world's showtimes of the cinema for the
// 14 days from SimService::today, so what the site reader finds can be checked against the truth.
//   jsonld            clean JSON-LD: a MovieTheater with event[], an @graph, or a list of events
//   jsonld_defective  the defects real sites have: two offsets ("...000Z+02:00", meaning wall
//                     time) or none, "PT2H", languages as names or codes, HTML entities, an event
//                     listed twice, comments and trailing commas, Organization/BreadcrumbList
//   microdata         itemscope/itemprop ScreeningEvents, no JSON-LD
//   html_only         a schedule table for people, no structured data
//   slow              clean JSON-LD, every page after SiteOptions::slow_delay
//   failing           503 for pages, 404 for robots.txt
//   disallow          robots.txt disallows everything (the pages are still there)
//   huge              the schedule page is over 8 MiB of padding (JSON-LD after it, or none)
//   redirect_private  pages 302 to a private address (10.0.0.5, the cloud metadata address)
// Every page has an ETag and a Last-Modified and answers 304 to a matching conditional request.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/cities/city_catalog.hpp"

namespace cinestream::gemini_sim {

class SimService;

enum class SiteKind {
  jsonld,
  jsonld_defective,
  microdata,
  html_only,
  slow,
  failing,
  disallow,
  huge,
  redirect_private,
};
std::string_view site_kind_name(SiteKind k);
std::optional<SiteKind> parse_site_kind(std::string_view name);
// jsonld, jsonld_defective and microdata: the kinds whose screenings a site reader can take.
bool is_structured(SiteKind k);

struct SiteOptions {
  // A city's share of sites of the structured kinds (rounded to whole sites); the rest are spread
  // over the other kinds.
  double structured_share = 0.5;
  std::optional<SiteKind> only_kind{};  // every site this kind (tests)
  std::chrono::milliseconds slow_delay{30'000};
};

// What a request to a site carries that the site looks at.
struct SiteRequest {
  std::string_view if_none_match{};
  std::string_view if_modified_since{};
  std::string_view user_agent{};
};

struct SiteReply {
  unsigned status = 200;
  std::string content_type;  // empty for 304 and redirects
  std::string etag;
  std::string last_modified;
  std::string location;  // redirects
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
};

// Per host (body bytes). `disallowed`: requests for paths the site's own robots.txt disallows (0
// for a polite crawler); robots.txt itself is always allowed.
struct SiteStats {
  std::int64_t requests = 0, not_modified = 0, bytes = 0, disallowed = 0;
  std::string user_agent;  // the last request's, to see how the crawler names itself
};

class SiteService {
 public:
  // `sim` gives the world, the catalogue and today's date; it must outlive this.
  SiteService(const SimService& sim, SiteOptions options);

  // `host`: the Host header ("<slug>-<city>.localhost:PORT", port optional); `target`: the path
  // and query. An unknown host is 404.
  SiteReply serve(std::string_view host, std::string_view target, const SiteRequest& request);

  SiteKind kind_of(const Location& city, std::size_t cinema_index) const;
  // The path of the site's schedule page ("/rozklad/", "/afisha", ...), for tests and benches.
  std::string schedule_path(const Location& city, std::size_t cinema_index) const;
  // Keyed by host without the port.
  std::map<std::string, SiteStats> stats() const;
  const SiteOptions& options() const { return options_; }

  // Whether a Host header names a site rather than the stand-in itself: "<name>.localhost" with
  // an optional port (bare "localhost" and IP addresses are the API).
  static bool is_site_host(std::string_view host);

 private:
  struct Site;
  std::optional<Site> site_for(std::string_view host) const;
  SiteReply page(const Site& site, std::string_view path, std::string_view query) const;

  const SimService& sim_;
  SiteOptions options_;
  mutable std::mutex mutex_;  // guards stats_
  std::map<std::string, SiteStats> stats_;
};

}  // namespace cinestream::gemini_sim
