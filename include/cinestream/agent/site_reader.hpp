#pragma once
// The site reader: a small, polite crawl of cinemas' own websites for the schema.org showtimes
// they publish (page_markup.hpp, schema_screenings.hpp), so the scrape asks the model only for
// what the sites leave out. From a cinema's website it follows only links to the programme and to
// its days (site_links.hpp), on the same site, at most `max_depth` links deep and `max_pages`
// pages. It is polite and bounded the way a production crawler must be:
// - robots.txt obeyed (RFC 9309, robots_txt.hpp; a site whose robots.txt cannot be fetched is not
//   crawled) and its Crawl-delay honoured, with an honest User-Agent;
// - one request at a time per host in the whole process, `delay` apart (SiteReaderShared);
// - every page under a timeout and a size limit, every site under a time budget;
// - addresses checked after DNS: no private, loopback or link-local targets unless allowed, and a
//   redirect that leaves the site is not followed;
// - pages asked again with If-None-Match / If-Modified-Since from a per-process cache of what was
//   read, so an unchanged programme costs a 304 and no parsing.
// Parsing runs on the CPU pool.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/agent/schema_screenings.hpp"
#include "cinestream/net/http_client.hpp"
#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream::agent {

// How a cinema's site did. `partial` is decided by the scrape, which validates the rows.
enum class SiteOutcome { structured, partial, none, failing, disallowed };
std::string_view to_string(SiteOutcome outcome);

struct SiteReaderOptions {
  // Product token for robots.txt groups, and the User-Agent that names it with a contact.
  std::string robots_token = "CineStreamBot";
  std::string user_agent = "CineStreamBot/1.0 (cinema showtimes; +https://cinestream.app/bot)";
  int max_pages = 20;  // fetches per site, redirects included (robots.txt not counted)
  int max_depth = 2;   // home page -> programme -> a day's page
  std::size_t max_page_bytes = 2u << 20;
  std::chrono::milliseconds page_timeout{10'000};
  std::chrono::milliseconds site_budget{60'000};  // the whole crawl of one site
  std::chrono::milliseconds delay{1'000};         // between two requests to one host
  int max_redirects = 3;
  int sites_at_once = 4;  // hosts crawled at the same time by one read()
  bool allow_private = false;
  bool allow_loopback = false;  // the demo's and the tests' stand-in sites
  std::size_t cache_entries = 4096;
  std::chrono::hours robots_max_age{24};  // RFC 9309: a cached robots.txt is used up to 24 h
  BlockingPool* cpu = nullptr;            // parsing; required
};

struct SiteReading {
  std::string website;  // as asked
  SiteOutcome outcome = SiteOutcome::none;
  std::vector<PageScreenings> pages;  // the pages that carried screenings
  int fetched = 0;                    // answers received (304s included)
  int not_modified = 0;
  std::size_t bytes = 0;
  std::string error;  // why `failing` or `disallowed`
};

struct SiteReaderStats {
  std::atomic<std::int64_t> sites{0}, pages{0}, not_modified{0}, bytes{0}, failed{0}, refused{0},
      disallowed{0}, robots_fetched{0};
};

// What the loops' readers share: the per-host gate, the page and robots.txt caches, the counters.
class SiteReaderShared {
 public:
  explicit SiteReaderShared(const SiteReaderOptions& options);
  ~SiteReaderShared();
  SiteReaderStats& stats() { return stats_; }
  // How each website did last time, so the next scrape skips a site recently found without
  // data (a day), closed to us (a day) or failing (an hour) and reads the others.
  void remember(const std::string& website, SiteOutcome outcome);
  bool worth_reading(const std::string& website) const;
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  SiteReaderStats stats_;
  std::unique_ptr<Impl> impl_;
};

// One per event loop (its HTTP client lives there); reads run on that loop.
class SiteReader {
 public:
  SiteReader(boost::asio::any_io_executor executor, SiteReaderOptions options,
             SiteReaderShared& shared);
  ~SiteReader();

  // One reading per website, in the same order. Sites on one host are read one after another;
  // different hosts `sites_at_once` at a time.
  boost::asio::awaitable<std::vector<SiteReading>> read(std::vector<std::string> websites);
  boost::asio::awaitable<SiteReading> read_site(std::string website);

  const SiteReaderOptions& options() const { return options_; }
  SiteReaderShared& shared() { return shared_; }

 private:
  struct Crawl;
  struct Fetched;
  boost::asio::awaitable<Fetched> fetch(Crawl& crawl, std::string url);
  boost::asio::awaitable<void> load_robots(Crawl& crawl);

  net::HttpClient http_;
  SiteReaderOptions options_;
  SiteReaderShared& shared_;
};

}  // namespace cinestream::agent
