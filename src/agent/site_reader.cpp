#include "cinestream/agent/site_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "cinestream/agent/page_markup.hpp"
#include "cinestream/agent/robots_txt.hpp"
#include "cinestream/agent/site_links.hpp"

namespace cinestream::agent {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string_view to_string(SiteOutcome outcome) {
  switch (outcome) {
    case SiteOutcome::structured:
      return "structured";
    case SiteOutcome::partial:
      return "partial";
    case SiteOutcome::none:
      return "none";
    case SiteOutcome::failing:
      return "failing";
    case SiteOutcome::disallowed:
      return "disallowed";
  }
  return "none";
}

namespace {

// What a page gave, kept for conditional requests: the same answer costs no parsing.
struct ReadPage {
  std::string etag;
  std::string last_modified;
  PageScreenings screenings;
  std::vector<PageLink> links;
};

std::string charset_of(std::string_view content_type) {
  auto lower = std::string(content_type);
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower.find("charset=");
  if (at == std::string::npos) return {};
  auto v = std::string_view(content_type).substr(at + 8);
  if (!v.empty() && (v.front() == '"' || v.front() == '\'')) v.remove_prefix(1);
  auto end = v.find_first_of(";\"' \t");
  return std::string(v.substr(0, std::min<std::size_t>(end, 40)));
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

net::HttpClientOptions client_options(const SiteReaderOptions& o) {
  net::HttpClientOptions h;
  h.max_response_bytes = o.max_page_bytes;
  h.max_idle_per_host = 1;  // one request at a time per host: one connection is enough
  h.address_allowed = net::web_address_rule(o.allow_private, o.allow_loopback);
  return h;
}

}  // namespace

struct SiteReaderShared::Impl {
  explicit Impl(const SiteReaderOptions& o)
      : max_entries(std::max<std::size_t>(16, o.cache_entries)) {}

  struct Host {
    bool busy = false;
    Clock::time_point free_at{};
  };
  struct Robots {
    RobotsTxt rules;
    Clock::time_point fetched;
  };

  // The host's turn, or how long to wait before asking again.
  std::optional<Clock::duration> try_acquire(const std::string& host) {
    std::lock_guard lock(mutex);
    auto now = Clock::now();
    if (hosts.size() > 4 * max_entries) {
      std::erase_if(hosts, [&](const auto& h) { return !h.second.busy && h.second.free_at < now; });
    }
    auto& h = hosts[host];
    if (!h.busy && now >= h.free_at) {
      h.busy = true;
      return std::nullopt;
    }
    // A busy host is asked again soon; it is released without a wake-up (bounded polling).
    return h.busy ? Clock::duration(50ms) : h.free_at - now;
  }
  void release(const std::string& host, std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex);
    auto& h = hosts[host];
    h.busy = false;
    h.free_at = Clock::now() + delay;
  }

  std::shared_ptr<const ReadPage> cached(const std::string& url) {
    std::lock_guard lock(mutex);
    auto it = pages.find(url);
    return it == pages.end() ? nullptr : it->second;
  }
  void keep(const std::string& url, std::shared_ptr<const ReadPage> page) {
    std::lock_guard lock(mutex);
    auto [it, added] = pages.insert_or_assign(url, std::move(page));
    if (added) order.push_back(url);
    while (pages.size() > max_entries && !order.empty()) {
      pages.erase(order.front());
      order.pop_front();
    }
  }

  std::optional<RobotsTxt> robots_of(const std::string& host, std::chrono::hours max_age) {
    std::lock_guard lock(mutex);
    auto it = robots.find(host);
    if (it == robots.end() || Clock::now() - it->second.fetched > max_age) return std::nullopt;
    return it->second.rules;
  }
  void keep_robots(const std::string& host, RobotsTxt rules) {
    std::lock_guard lock(mutex);
    if (robots.size() >= max_entries) robots.clear();  // rare: thousands of hosts in a day
    robots.insert_or_assign(host, Robots{std::move(rules), Clock::now()});
  }

  std::size_t max_entries;
  std::mutex mutex;
  std::unordered_map<std::string, Host> hosts;
  std::unordered_map<std::string, std::shared_ptr<const ReadPage>> pages;
  std::deque<std::string> order;  // pages in insertion order, the oldest evicted first
  std::unordered_map<std::string, Robots> robots;
  struct Memory {
    SiteOutcome outcome;
    Clock::time_point at;
  };
  std::unordered_map<std::string, Memory> memory;  // by website
};

SiteReaderShared::SiteReaderShared(const SiteReaderOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
SiteReaderShared::~SiteReaderShared() = default;

void SiteReaderShared::remember(const std::string& website, SiteOutcome outcome) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->memory.size() >= 4 * impl_->max_entries) impl_->memory.clear();
  impl_->memory.insert_or_assign(website, Impl::Memory{outcome, Clock::now()});
}

bool SiteReaderShared::worth_reading(const std::string& website) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->memory.find(website);
  if (it == impl_->memory.end()) return true;
  auto age = Clock::now() - it->second.at;
  switch (it->second.outcome) {
    case SiteOutcome::none:
    case SiteOutcome::disallowed:
      return age > 24h;
    case SiteOutcome::failing:
      return age > 1h;
    default:
      return true;
  }
}

struct SiteReader::Crawl {
  std::string website;
  std::string host;  // site_key: the gate's and the caches' key
  Clock::time_point deadline;
  RobotsTxt robots = RobotsTxt::allow_all();
  std::chrono::milliseconds delay{0};
  int pages_left = 0;
  SiteReading reading;
};

struct SiteReader::Fetched {
  enum class Kind { page, failed, refused, disallowed, skipped };
  Kind kind = Kind::failed;
  std::string url;  // after redirects
  std::shared_ptr<const ReadPage> page;
  std::string error;
};

namespace {

// The host's turn, held while one request runs, released with the delay the next one waits.
class HostTurn {
 public:
  HostTurn(SiteReaderShared::Impl& shared, std::string host, std::chrono::milliseconds delay)
      : shared_(shared), host_(std::move(host)), delay_(delay) {}
  ~HostTurn() { shared_.release(host_, delay_); }
  HostTurn(const HostTurn&) = delete;
  HostTurn& operator=(const HostTurn&) = delete;

 private:
  SiteReaderShared::Impl& shared_;
  std::string host_;
  std::chrono::milliseconds delay_;
};

// Waits for the host's turn; false when the site's deadline comes first.
asio::awaitable<bool> wait_turn(SiteReaderShared::Impl& shared, const std::string& host,
                                Clock::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    auto wait = shared.try_acquire(host);
    if (!wait) co_return true;
    if (Clock::now() + *wait >= deadline) co_return false;
    timer.expires_after(*wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace

SiteReader::SiteReader(asio::any_io_executor executor, SiteReaderOptions options,
                       SiteReaderShared& shared)
    : http_(std::move(executor), client_options(options)),
      options_(std::move(options)),
      shared_(shared) {
  if (!options_.cpu) throw std::invalid_argument("SiteReader needs the CPU pool");
}

SiteReader::~SiteReader() = default;

asio::awaitable<SiteReader::Fetched> SiteReader::fetch(Crawl& crawl, std::string url) {
  auto& shared = shared_.impl();
  auto& stats = shared_.stats();
  Fetched out;
  for (int hop = 0;; ++hop) {
    out.url = url;
    if (!crawl.robots.allowed(path_and_query(url))) {
      out.kind = Fetched::Kind::disallowed;
      out.error = "robots.txt disallows " + path_and_query(url);
      co_return out;
    }
    if (crawl.pages_left <= 0 || Clock::now() >= crawl.deadline) {
      out.kind = Fetched::Kind::skipped;
      out.error = "the site's page or time budget is spent";
      co_return out;
    }
    --crawl.pages_left;
    auto cached = shared.cached(url);
    net::HttpRequest req;
    req.url = url;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(crawl.deadline - Clock::now());
    req.timeout = std::max(1ms, std::min(options_.page_timeout, left));
    req.headers = {{"User-Agent", options_.user_agent},
                   {"Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"},
                   {"Accept-Language", "uk,en;q=0.8,ru;q=0.6"}};
    if (cached && !cached->etag.empty()) req.headers.emplace_back("If-None-Match", cached->etag);
    if (cached && !cached->last_modified.empty())
      req.headers.emplace_back("If-Modified-Since", cached->last_modified);
    if (!co_await wait_turn(shared, crawl.host, crawl.deadline)) {
      out.kind = Fetched::Kind::skipped;
      out.error = "the site's time budget is spent";
      co_return out;
    }
    net::HttpResponse res;
    std::optional<net::HttpError> error;
    {
      HostTurn turn(shared, crawl.host, crawl.delay);
      try {
        res = co_await http_.request(std::move(req));
      } catch (const net::HttpError& e) {
        error = e;
      }
    }
    if (error) {
      auto kind = error->kind();
      bool refused = kind == net::HttpErrorKind::refused_address ||
                     kind == net::HttpErrorKind::refused_plain_http;
      (refused ? stats.refused : stats.failed).fetch_add(1);
      out.kind = refused ? Fetched::Kind::refused : Fetched::Kind::failed;
      out.error = error->what();
      co_return out;
    }
    ++crawl.reading.fetched;
    stats.pages.fetch_add(1);
    crawl.reading.bytes += res.body.size();
    stats.bytes.fetch_add(static_cast<std::int64_t>(res.body.size()));
    if (is_redirect(res.status)) {
      auto target = resolve_link(url, res.header("Location"));
      // A site that sends us elsewhere (another host, a private address) is not followed.
      if (!target || !same_site_page(crawl.website, *target)) {
        stats.refused.fetch_add(1);
        out.kind = Fetched::Kind::refused;
        out.error = "a redirect leaves the site: " + (target ? *target : std::string("(none)"));
        co_return out;
      }
      if (hop >= options_.max_redirects) {
        stats.failed.fetch_add(1);
        out.kind = Fetched::Kind::failed;
        out.error = "too many redirects";
        co_return out;
      }
      url = std::move(*target);
      continue;
    }
    if (res.status == 304 && cached) {
      ++crawl.reading.not_modified;
      stats.not_modified.fetch_add(1);
      out.kind = Fetched::Kind::page;
      out.page = std::move(cached);
      co_return out;
    }
    if (res.status != 200) {
      stats.failed.fetch_add(1);
      out.kind = Fetched::Kind::failed;
      out.error = fmt::format("HTTP {}", res.status);
      co_return out;
    }
    auto type = res.header("Content-Type");
    if (!type.empty() && type.find("html") == std::string::npos) {
      out.kind = Fetched::Kind::skipped;
      out.error = "not an HTML page: " + type.substr(0, 60);
      co_return out;
    }
    MarkupLimits limits;
    limits.max_page_bytes = options_.max_page_bytes;
    auto parse = [body = std::move(res.body), url, limits, encoding = charset_of(type)] {
      auto markup = read_page_markup(body, limits, encoding);
      auto page = std::make_shared<ReadPage>();
      page->screenings = schema_screenings(markup, url);
      page->links = std::move(markup.links);
      return page;
    };
    auto page = co_await options_.cpu->run(std::move(parse));
    page->etag = res.header("ETag").substr(0, 200);
    page->last_modified = res.header("Last-Modified").substr(0, 100);
    std::shared_ptr<const ReadPage> kept = std::move(page);
    if (!kept->etag.empty() || !kept->last_modified.empty()) shared.keep(url, kept);
    out.kind = Fetched::Kind::page;
    out.page = std::move(kept);
    co_return out;
  }
}

asio::awaitable<void> SiteReader::load_robots(Crawl& crawl) {
  auto& shared = shared_.impl();
  if (auto known = shared.robots_of(crawl.host, options_.robots_max_age)) {
    crawl.robots = std::move(*known);
    co_return;
  }
  auto url = resolve_link(crawl.website, "/robots.txt");
  RobotsTxt rules = RobotsTxt::for_failed_fetch(0);
  for (int hop = 0; url && hop <= 5; ++hop) {  // RFC 9309 2.3.1.2: at least five redirects
    net::HttpRequest req;
    req.url = *url;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(crawl.deadline - Clock::now());
    req.timeout = std::max(1ms, std::min(options_.page_timeout, left));
    req.headers = {{"User-Agent", options_.user_agent}, {"Accept", "text/plain,*/*;q=0.1"}};
    if (!co_await wait_turn(shared, crawl.host, crawl.deadline)) break;
    net::HttpResponse res;
    bool failed = false;
    {
      HostTurn turn(shared, crawl.host, options_.delay);
      try {
        res = co_await http_.request(std::move(req));
      } catch (const net::HttpError& e) {
        spdlog::info("site {}: robots.txt not fetched: {}", crawl.host, e.what());
        failed = true;
      }
    }
    if (failed) break;  // unreachable: crawl nothing (RFC 9309 2.3.1.4)
    shared_.stats().robots_fetched.fetch_add(1);
    if (is_redirect(res.status)) {
      auto target = resolve_link(*url, res.header("Location"));
      url = target && same_site_page(crawl.website, *target) ? target : std::nullopt;
      continue;
    }
    rules = res.status >= 200 && res.status < 300
                ? RobotsTxt::parse(res.body, options_.robots_token)
                : RobotsTxt::for_failed_fetch(static_cast<int>(res.status));
    break;
  }
  crawl.robots = rules;
  shared.keep_robots(crawl.host, std::move(rules));
}

asio::awaitable<SiteReading> SiteReader::read_site(std::string website) {
  auto& stats = shared_.stats();
  stats.sites.fetch_add(1);
  Crawl crawl;
  crawl.reading.website = website;
  auto start = resolve_link(website, website);
  if (!start || site_key(*start).empty()) {
    crawl.reading.outcome = SiteOutcome::failing;
    crawl.reading.error = "not an http(s) URL";
    co_return std::move(crawl.reading);
  }
  crawl.website = *start;
  crawl.host = site_key(*start);
  crawl.deadline = Clock::now() + options_.site_budget;
  crawl.pages_left = std::max(1, options_.max_pages);
  try {
    co_await load_robots(crawl);
    crawl.delay = std::max(options_.delay, crawl.robots.crawl_delay().value_or(0ms));
    if (crawl.robots.disallows_everything() || !crawl.robots.allowed(path_and_query(*start))) {
      stats.disallowed.fetch_add(1);
      crawl.reading.outcome = SiteOutcome::disallowed;
      crawl.reading.error = "robots.txt disallows the site (or could not be fetched)";
      co_return std::move(crawl.reading);
    }
    struct Item {
      std::string url;
      int depth = 0;
    };
    std::deque<Item> queue{{*start, 0}};
    std::set<std::string> seen{*start};
    bool first = true;
    while (!queue.empty() && crawl.pages_left > 0 && Clock::now() < crawl.deadline) {
      auto item = std::move(queue.front());
      queue.pop_front();
      std::string url = item.url;  // named (GCC 12, PR 100611)
      auto got = co_await fetch(crawl, std::move(url));
      if (got.kind != Fetched::Kind::page) {
        spdlog::debug("site {}: {}: {}", crawl.host, item.url, got.error);
        if (first) {
          // The website itself does not answer: the site is failing (or closed to us).
          crawl.reading.outcome = got.kind == Fetched::Kind::disallowed ? SiteOutcome::disallowed
                                                                        : SiteOutcome::failing;
          crawl.reading.error = got.error;
          if (got.kind == Fetched::Kind::disallowed) stats.disallowed.fetch_add(1);
          co_return std::move(crawl.reading);
        }
        first = false;
        continue;
      }
      first = false;
      seen.insert(got.url);
      if (!got.page->screenings.screenings.empty())
        crawl.reading.pages.push_back(got.page->screenings);
      if (item.depth >= options_.max_depth) continue;
      // Programme pages first, then days' pages, each in page order.
      std::vector<Item> programme, days;
      for (const auto& link : got.page->links) {
        auto target = resolve_link(got.url, link.href);
        if (!target || seen.contains(*target) || !same_site_page(crawl.website, *target)) continue;
        auto kind = classify_link(*target, link.text);
        if (kind == LinkKind::other) continue;
        seen.insert(*target);
        (kind == LinkKind::programme ? programme : days).push_back({*target, item.depth + 1});
      }
      for (auto* list : {&programme, &days}) {
        for (auto& i : *list)
          queue.push_back(std::move(i));
      }
    }
  } catch (const std::exception& e) {
    // A pool refusal or an unexpected failure: the site is skipped, the model covers it.
    stats.failed.fetch_add(1);
    crawl.reading.outcome = SiteOutcome::failing;
    crawl.reading.error = e.what();
    co_return std::move(crawl.reading);
  }
  crawl.reading.outcome = crawl.reading.pages.empty() ? SiteOutcome::none : SiteOutcome::structured;
  co_return std::move(crawl.reading);
}

asio::awaitable<std::vector<SiteReading>> SiteReader::read(std::vector<std::string> websites) {
  std::vector<SiteReading> out(websites.size());
  // One lane per host: a host's sites one after another, so it never sees two of our requests
  // at once; the gate also spaces them across loops and scrapes.
  std::map<std::string, std::vector<std::size_t>> by_host;
  for (std::size_t i = 0; i < websites.size(); ++i)
    by_host[site_key(websites[i])].push_back(i);
  std::deque<std::vector<std::size_t>> groups;
  for (auto& [host, list] : by_host)
    groups.push_back(std::move(list));
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer all_done(ex);
  std::size_t pending = 0;
  auto lane = [&]() -> asio::awaitable<void> {
    while (!groups.empty()) {
      auto group = std::move(groups.front());
      groups.pop_front();
      for (auto i : group) {
        std::string site = websites[i];  // named (GCC 12, PR 100611)
        out[i] = co_await read_site(std::move(site));
      }
    }
  };
  auto lanes = std::min<std::size_t>(std::max(1, options_.sites_at_once), groups.size());
  for (std::size_t i = 0; i < lanes; ++i) {
    ++pending;
    asio::co_spawn(ex, lane(), [&](std::exception_ptr) {
      if (--pending == 0) all_done.cancel();
    });
  }
  while (pending > 0) {
    all_done.expires_after(24h);
    co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return out;
}

}  // namespace cinestream::agent
