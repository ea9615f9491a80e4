#include "cinestream/agent/scrape_service.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/text/clean_text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cmath>
#include <limits>
#include <random>

namespace cinestream::agent {
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;
using http::error_response;
using http::Response;
using http::Status;
using namespace std::chrono_literals;

namespace {

SysSeconds now_s() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string utc_day(SysSeconds t) {
  return format_iso_date(date::year_month_day{date::floor<date::days>(t)});
}

json::object progress_json(const ScrapeProgress& p, Plan plan) {
  return {{"step", p.step},
          {"plan", to_string(plan)},
          {"units_done", p.units_done},
          {"units_total", p.units_total},
          {"units_failed", p.units_failed},
          {"calls", p.usage.calls},
          {"grounded_calls", p.usage.grounded_calls},
          {"tokens", p.usage.total_tokens},
          {"cost_usd", std::round(p.usage.cost_usd * 1e4) / 1e4},
          {"showtimes_added", p.showtimes_added},
          {"dropped", p.dropped.total()},
          {"dropped_by_reason",
           {{"malformed", p.dropped.malformed},
            {"bad_time", p.dropped.bad_time},
            {"outside_days", p.dropped.outside_days},
            {"unknown_cinema", p.dropped.unknown_cinema},
            {"ambiguous_cinema", p.dropped.ambiguous_cinema},
            {"invented_cinema", p.dropped.invented_cinema}}},
          {"names",
           {{"exact", p.names.exact},
            {"resolved", p.names.resolved},
            {"learned", p.names.learned},
            {"asked", p.names.asked}}},
          {"units_reasked", p.units_reasked},
          {"rows_by_source", {{"site", p.sites.rows}, {"model", p.model_rows}}},
          {"sites",
           {{"read", p.sites.read},
            {"structured", p.sites.structured},
            {"partial", p.sites.partial},
            {"none", p.sites.none},
            {"failing", p.sites.failing},
            {"disallowed", p.sites.disallowed},
            {"skipped", p.sites.skipped},
            {"pages", p.sites.pages},
            {"not_modified", p.sites.not_modified},
            {"cinema_days", p.sites.cinema_days},
            {"calls_saved", p.sites.calls_saved}}}};
}

}  // namespace

// A scrape in flight, shared by the scrape and its heartbeat.
struct ScrapeService::Running {
  std::string city;
  std::string owner;
  std::string progress;  // latest JSON
  std::string written;   // last JSON written to the store
  bool finished = false;
  std::unique_ptr<asio::steady_timer> wake;
  // Set when the scrape must stop: its lease was lost, or the process shuts down. Atomic: the
  // shutdown may run on another loop than the scrape.
  std::atomic<bool> stop{false};
  std::atomic<bool> released_by_shutdown{false};
};

struct ScrapeService::FeedSubscriber {
  explicit FeedSubscriber(asio::any_io_executor ex) : wake(std::move(ex)) {}
  asio::steady_timer wake;  // used only on the subscriber's own loop; the poller posts to it
};

// Fields guarded by feeds_mutex_.
struct ScrapeService::StatusFeed {
  const Location* city = nullptr;
  std::vector<std::shared_ptr<FeedSubscriber>> subscribers;
  std::uint64_t seq = 0;  // raised with every new document
  std::string doc;
  bool polling = false;
};

namespace {
constexpr std::size_t kMaxStreamsPerCity = 1000;  // bounded: beyond it a stream is refused (503)
constexpr std::size_t kMaxStreamsPerClient = 8;   // a page needs one; beyond it 429
constexpr auto kStatusPollInterval = 300ms;
}  // namespace

// Merges bump the city's data_version, which CityVersions polls; a status read also raises it
// (see status_document).
ScrapeService::ScrapeService(EventLoops& loops, const CityCatalog& catalog,
                             Async<ScrapeStore> store, CityVersions& versions,
                             ScrapeServiceOptions options)
    : loops_(loops),
      catalog_(catalog),
      store_(store),
      versions_(versions),
      options_(std::move(options)),
      limiter_(options_.gemini_max_in_flight) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  owner_prefix_ = fmt::format("{}:{}:{:08x}", host, ::getpid(), std::random_device{}());
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    http_.push_back(std::make_unique<net::HttpClient>(loops_.at(i).get_executor(), options_.http));
    clients_.push_back(
        std::make_unique<gemini::Client>(*http_.back(), options_.gemini, meter_, limiter_));
    // The budget is checked before every attempt and charged for every billed one.
    gemini::Billing billing;
    billing.before_attempt = [this]() { return check_budget(); };
    billing.billed = [this](const gemini::Usage& u) { return record_billed(u); };
    clients_.back()->set_billing(std::move(billing));
    posters_.push_back(std::make_unique<PosterFetcher>(loops_.at(i).get_executor(), store_,
                                                       options_.posters, poster_stats_));
  }
  if (options_.read_sites && options_.sites.cpu) {
    sites_shared_ = std::make_unique<SiteReaderShared>(options_.sites);
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      sites_.push_back(std::make_unique<SiteReader>(loops_.at(i).get_executor(), options_.sites,
                                                    *sites_shared_));
    }
  }
}

ScrapeService::~ScrapeService() = default;

gemini::Client& ScrapeService::client_for_this_loop() {
  return *clients_[EventLoops::current() % clients_.size()];
}

void ScrapeService::register_routes(http::Router& router) {
  router.add(http::Verb::post, "/api/scrape",
             [this](http::RequestContext& ctx) { return start(ctx); });
  router.add(http::Verb::get, "/api/scrape/status/{city}",
             [this](http::RequestContext& ctx) { return status(ctx); });
  router.add(http::Verb::get, "/api/scrape/events/{city}",
             [this](http::RequestContext& ctx) { return events(ctx); });
}

bool ScrapeService::allow_client(const asio::ip::address& client,
                                 std::chrono::seconds& retry_after) {
  std::lock_guard lock(buckets_mutex_);
  auto now = std::chrono::steady_clock::now();
  double per_second = options_.rate_per_minute / 60.0;
  double burst = options_.rate_burst;
  auto idle = [&](const http::TokenBucket& b) { return b.is_full(now, per_second, burst); };
  auto* bucket =
      buckets_.find_or_insert(http::client_key(client), http::TokenBucket::full(burst, now), idle);
  if (!bucket) {
    // Every remembered client is still limited: refuse a new one rather than forget them.
    retry_after = std::chrono::seconds(static_cast<long>(std::ceil(1.0 / per_second)));
    return false;
  }
  return bucket->take(now, per_second, burst, retry_after);
}

// Before each Gemini attempt: refused when today's budget has no room for one more grounded call
// at a conservative estimate (the grounded fee plus ~4k output tokens). A check, not a charge:
// only attempts the service answers are billed, and they are recorded by record_billed.
// Concurrent attempts may all pass the check, so the spend can pass the limit by at most the
// calls in flight.
bool ScrapeService::budget_has_room(const BudgetUse& used) const {
  auto prices = clients_.front()->model().prices;
  auto estimate = static_cast<std::int64_t>((prices.per_grounded_request + prices.per_search_query +
                                             4000 * prices.output_per_million / 1e6) *
                                            1e6);
  return used.grounded_calls + 1 <= options_.budget_grounded_calls &&
         used.micro_usd + estimate <= static_cast<std::int64_t>(options_.budget_usd * 1e6);
}

asio::awaitable<void> ScrapeService::check_budget() {
  auto day = utc_day(now_s());
  auto query = [day](ScrapeStore& s) { return s.budget.budget_used(day); };
  auto used = co_await store_.call(std::move(query));
  if (!budget_has_room(used)) {
    throw BudgetExhausted("the daily Gemini budget is spent; scraping resumes tomorrow");
  }
}

// Each attempt Google bills (every 200 answer), with the cost its usage reports. Recorded even
// past the limit: the money is spent.
asio::awaitable<void> ScrapeService::record_billed(gemini::Usage usage) {
  constexpr std::int64_t no_limit = std::numeric_limits<std::int64_t>::max() / 4;
  auto day = utc_day(now_s());
  auto micro = static_cast<std::int64_t>(std::llround(usage.cost_usd * 1e6));
  auto calls = usage.grounded_calls;
  auto charge = [day, calls, micro](ScrapeStore& s) {
    return s.budget.charge_budget(day, calls, micro, no_limit, no_limit);
  };
  co_await store_.call(std::move(charge));
}

asio::awaitable<http::Reply> ScrapeService::start(http::RequestContext& ctx) {
  std::string city_arg(ctx.target.param("city").value_or(""));
  if (city_arg.empty() && !ctx.request.body().empty()) {
    boost::system::error_code ec;
    auto doc = json::parse(ctx.request.body(), ec);
    if (ec || !doc.is_object()) {
      co_return error_response(Status::bad_request, "invalid_json",
                               "the body must be a JSON object like {\"city\": \"kyiv\"}");
    }
    if (const auto* c = doc.as_object().if_contains("city"); c && c->is_string()) {
      city_arg = std::string(c->as_string());
    }
  }
  if (city_arg.empty()) {
    co_return error_response(Status::bad_request, "missing_city",
                             "give the city as {\"city\": \"kyiv\"}");
  }
  // Only cities we know: no paid call for a place that is not in the locations.
  const Location* city = catalog_.resolve(city_arg);
  if (!city) {
    co_return error_response(Status::not_found, "city_not_found",
                             fmt::format("no city called '{}'", clean_text(city_arg, 80)));
  }
  std::chrono::seconds retry_after{0};
  if (!allow_client(ctx.remote, retry_after)) {
    auto res = error_response(Status::too_many_requests, "rate_limited",
                              "too many scrape requests from this address; try again later");
    res.set(bh::field::retry_after, std::to_string(retry_after.count()));
    co_return res;
  }
  std::string id = city->id;
  auto zone = catalog_.zone(*city);
  auto now = now_s();
  auto days = horizon(local_date(zone, now), options_.horizon_days);
  auto look = [id, from = days.front(), to = days.back()](ScrapeStore& s) {
    return std::make_pair(s.locations.location_state(id), s.coverage.covered_days(id, from, to));
  };
  auto [state, covered] = co_await store_.call(std::move(look));
  auto status_url = "/api/scrape/status/" + id;
  bool stale_by_age = state && state->last_updated && now - *state->last_updated > options_.max_age;
  bool complete = covered.size() >= days.size() && !stale_by_age;
  if (state && state->status != ScrapeStatus::processing && complete) {
    json::object body{{"status", "fresh"}, {"city", id}, {"status_url", status_url}};
    if (state->last_updated) body["last_updated"] = format_utc(*state->last_updated);
    co_return http::json_response(Status::ok, http::json_text(body));
  }
  if (!state || state->status != ScrapeStatus::processing) {
    auto day = utc_day(now);
    auto query = [day](ScrapeStore& s) { return s.budget.budget_used(day); };
    auto used = co_await store_.call(std::move(query));
    // The same test as before each call: a budget that cannot pay for one more call refuses the
    // scrape here, before the lock, instead of starting one that fails at once.
    if (!budget_has_room(used)) {
      auto res = error_response(Status::too_many_requests, "budget_exhausted",
                                "today's scraping budget is spent; showtimes already found stay "
                                "available and scraping resumes tomorrow");
      auto next_day = date::floor<date::days>(now) + date::days{1};
      res.set(bh::field::retry_after,
              std::to_string(std::max<std::int64_t>(1, (next_day - now).count())));
      co_return res;
    }
  }
  auto owner = fmt::format("{}:{}", owner_prefix_, ++scrape_counter_);
  auto lease = options_.lease;
  auto lock = [id, owner, lease, now](ScrapeStore& s) {
    return s.scrape_locks.try_lock_city(id, owner, "request", lease, now);
  };
  auto result = co_await store_.call(std::move(lock));
  bool started = result.outcome == LockOutcome::acquired;
  if (started) {
    spdlog::info("request_id={} scrape of {} started by {} ({} days missing{})", ctx.request_id, id,
                 owner, days.size() - covered.size(),
                 stale_by_age ? ", data too old: full refresh" : "");
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, run(city, owner, stale_by_age), [id](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("scrape of {} ended with an exception: {}", id, ex.what());
      }
    });
  }
  json::object body{
      {"status", "processing"}, {"city", id}, {"started", started}, {"status_url", status_url}};
  auto res = http::json_response(Status::accepted, http::json_text(body));
  res.set(bh::field::location, status_url);
  res.set(bh::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<void> ScrapeService::heartbeat(std::shared_ptr<Running> running) {
  auto last_renew = std::chrono::steady_clock::now();
  auto renew_every =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.lease) / 3;
  while (!running->finished) {
    running->wake->expires_after(250ms);
    co_await running->wake->async_wait(asio::as_tuple(asio::use_awaitable));
    if (running->progress != running->written) {
      auto write = [city = running->city, owner = running->owner, p = running->progress](
                       ScrapeStore& s) { return s.scrape_locks.set_progress(city, owner, p); };
      running->written = running->progress;
      try {
        co_await store_.call(std::move(write));
      } catch (const std::exception& e) {
        spdlog::warn("scrape {}: progress not saved: {}", running->city, e.what());
      }
    }
    if (!running->finished && std::chrono::steady_clock::now() - last_renew >= renew_every) {
      auto renew = [city = running->city, owner = running->owner,
                    lease = options_.lease](ScrapeStore& s) {
        return s.scrape_locks.renew_city_lock(city, owner, lease, now_s());
      };
      bool ok = false;
      try {
        ok = co_await store_.call(std::move(renew));
      } catch (const std::exception& e) {
        spdlog::warn("scrape {}: lease not renewed: {}", running->city, e.what());
      }
      if (!ok && !running->finished) {
        // The lease lapsed and the lock may be someone else's: stop the remaining units (their
        // writes would be refused by the store's fence anyway).
        spdlog::warn("scrape {}: lost the lock (lease lapsed?); stopping", running->city);
        running->stop = true;
      }
      last_renew = std::chrono::steady_clock::now();
    }
  }
}

asio::awaitable<void> ScrapeService::run(const Location* city, std::string owner,
                                         bool full_refresh) {
  ++running_;
  auto ex = co_await asio::this_coro::executor;
  auto running = std::make_shared<Running>();
  running->city = city->id;
  running->owner = owner;
  running->wake = std::make_unique<asio::steady_timer>(ex);
  {
    std::lock_guard lock(scrapes_mutex_);
    if (shutting_down_) running->stop = true;
    scrapes_[owner] = running;
  }
  asio::co_spawn(ex, heartbeat(running), asio::detached);

  ScrapeOptions opts;
  opts.plan = options_.plan;
  opts.horizon_days = options_.horizon_days;
  opts.full_refresh = full_refresh;
  opts.parallel_units = static_cast<int>(std::max<std::size_t>(1, options_.gemini_max_in_flight));
  ScraperHooks hooks;
  hooks.on_progress = [running, plan = options_.plan](const ScrapeProgress& p) {
    running->progress = http::json_text(progress_json(p, plan));
  };
  hooks.stopped = [running] { return running->stop.load(); };
  hooks.owner = owner;
  SiteReader* sites =
      sites_.empty() ? nullptr : sites_[EventLoops::current() % sites_.size()].get();
  Scraper scraper(client_for_this_loop(), store_, catalog_, opts, hooks, sites);
  ScrapeReport report;
  std::string failure;
  try {
    report = co_await scraper.run(*city);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  running->finished = true;
  running->wake->cancel();
  std::string error = failure.empty() ? report.error : failure;
  auto final_status = final_status_of(report, running->stop, !failure.empty());
  report.progress.step = "done";
  {
    const auto& n = report.progress.names;
    const auto& d = report.progress.dropped;
    auto add = [](std::atomic<std::uint64_t>& to, int v) {
      to += static_cast<std::uint64_t>(std::max(0, v));
    };
    add(name_totals_.exact, n.exact);
    add(name_totals_.resolved, n.resolved);
    add(name_totals_.learned, n.learned);
    add(name_totals_.asked, n.asked);
    add(name_totals_.malformed, d.malformed);
    add(name_totals_.bad_time, d.bad_time);
    add(name_totals_.outside_days, d.outside_days);
    add(name_totals_.unknown_cinema, d.unknown_cinema);
    add(name_totals_.ambiguous_cinema, d.ambiguous_cinema);
    add(name_totals_.invented_cinema, d.invented_cinema);
    add(name_totals_.reasked_units, report.progress.units_reasked);
    add(name_totals_.lossy_days, static_cast<int>(report.days_lossy.size()));
    const auto& st = report.progress.sites;
    add(name_totals_.site_rows, st.rows);
    add(name_totals_.model_rows, report.progress.model_rows);
    add(name_totals_.calls_saved, st.calls_saved);
    add(name_totals_.site_cinema_days, st.cinema_days);
    add(name_totals_.sites_structured, st.structured);
    add(name_totals_.sites_partial, st.partial);
    add(name_totals_.sites_none, st.none);
    add(name_totals_.sites_failing, st.failing);
    add(name_totals_.sites_disallowed, st.disallowed);
    add(name_totals_.sites_skipped, st.skipped);
  }
  auto finish = [id = city->id, owner,
                 progress = http::json_text(progress_json(report.progress, options_.plan)),
                 final_status, error](ScrapeStore& s) {
    s.scrape_locks.set_progress(id, owner, progress);
    return s.scrape_locks.release_city_lock(id, owner, final_status, error, now_s());
  };
  bool released = false;
  try {
    released = co_await store_.call(std::move(finish));
  } catch (const std::exception& e) {
    spdlog::error("scrape {}: could not release the lock: {}", city->id, e.what());
  }
  spdlog::info(
      "scrape of {} finished: {} ({} of {} days, {} calls, {} grounded, ${:.4f}, {} showtimes "
      "added, {} "
      "dropped){}{}",
      city->id, to_string(final_status), report.days_covered.size(), report.days_asked.size(),
      report.progress.usage.calls, report.progress.usage.grounded_calls,
      report.progress.usage.cost_usd, report.progress.showtimes_added,
      report.progress.dropped.total(), error.empty() ? "" : ": ", error);
  if (!released && !running->released_by_shutdown)
    spdlog::warn("scrape {}: the lock had passed to another process", city->id);
  {
    std::lock_guard lock(scrapes_mutex_);
    scrapes_.erase(owner);
  }
  --running_;
  if (running->stop) co_return;  // no poster downloads for a stopped scrape
  // Posters after the data: showtimes are visible at once, images follow.
  auto& fetcher = *posters_[EventLoops::current() % posters_.size()];
  asio::co_spawn(ex, fetcher.fetch_city(city->id), [id = city->id](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& err) {
      spdlog::warn("posters of {}: {}", id, err.what());
    }
  });
}

asio::awaitable<std::optional<std::string>> ScrapeService::fetch_poster(std::string url) {
  auto& fetcher = *posters_[EventLoops::current() % posters_.size()];
  co_return co_await fetcher.fetch(url);
}

asio::awaitable<void> ScrapeService::shutdown() {
  std::vector<std::shared_ptr<Running>> scrapes;
  {
    std::lock_guard lock(scrapes_mutex_);
    shutting_down_ = true;
    for (auto& [owner, r] : scrapes_)
      scrapes.push_back(r);
  }
  for (auto& r : scrapes) {
    r->stop = true;
    // Released here rather than by the scrape, which may wait for a Gemini answer past the drain
    // deadline; its later writes are fenced out because the lock is no longer its own.
    auto release = [city = r->city, owner = r->owner](ScrapeStore& s) {
      return s.scrape_locks.release_city_lock(city, owner, ScrapeStatus::stale,
                                              "stopped: the server shut down", now_s());
    };
    try {
      if (co_await store_.call(std::move(release))) r->released_by_shutdown = true;
      spdlog::info("shutdown: scrape of {} stopped, its lock released", r->city);
    } catch (const std::exception& e) {
      spdlog::warn("shutdown: the lock of {} was not released: {}", r->city, e.what());
    }
  }
}

asio::awaitable<std::optional<std::string>> ScrapeService::status_document(const Location& city) {
  ++status_polls_;
  std::string id = city.id;
  auto days = horizon(local_date(catalog_.zone(city), now_s()), options_.horizon_days);
  auto look = [id, from = days.front(), to = days.back()](ScrapeStore& s) {
    return std::make_pair(s.locations.location_state(id), s.coverage.covered_days(id, from, to));
  };
  auto [state, covered] = co_await store_.call(std::move(look));
  if (!state) co_return std::nullopt;
  // A visitor told "fresh" asks for the showtimes next: this process's cached pages must not be
  // older than the data version this status was read with (the poll may be up to an interval
  // behind).
  versions_.observe(catalog_.index_of(city), state->data_version);
  json::object body{
      {"city", id},
      {"status", to_string(state->status)},
      {"processing", state->status == ScrapeStatus::processing},
      {"ready", !covered.empty()},
      {"days_covered", covered.size()},
      {"days_total", days.size()},
      {"lock_source", state->lock_source},
      {"error", state->error.empty() ? json::value(nullptr) : json::value(state->error)}};
  body["last_updated"] =
      state->last_updated ? json::value(format_utc(*state->last_updated)) : json::value(nullptr);
  boost::system::error_code ec;
  auto progress = state->progress.empty() ? json::value(nullptr) : json::parse(state->progress, ec);
  body["progress"] = ec ? json::value(nullptr) : progress;
  co_return http::json_text(body);
}

asio::awaitable<http::Reply> ScrapeService::status(http::RequestContext& ctx) {
  const Location* city = catalog_.resolve(ctx.param("city"));
  if (!city) {
    co_return error_response(Status::not_found, "city_not_found",
                             fmt::format("no city called '{}'", clean_text(ctx.param("city"), 80)));
  }
  auto doc = co_await status_document(*city);
  if (!doc)
    co_return error_response(Status::not_found, "city_not_found", "no such city in the store");
  auto res = http::json_response(Status::ok, std::move(*doc));
  res.set(bh::field::cache_control, "no-store");
  co_return res;
}

std::shared_ptr<ScrapeService::StatusFeed> ScrapeService::join_feed(
    const Location& city, std::shared_ptr<FeedSubscriber> sub) {
  std::shared_ptr<StatusFeed> feed;
  bool start = false;
  {
    std::lock_guard lock(feeds_mutex_);
    auto& slot = feeds_[city.id];
    if (!slot) {
      slot = std::make_shared<StatusFeed>();
      slot->city = &city;
    }
    feed = slot;
    if (feed->subscribers.size() >= kMaxStreamsPerCity) return nullptr;
    feed->subscribers.push_back(sub);
    start = !feed->polling;
    feed->polling = true;
  }
  // The poller runs on the loop of the subscriber that started it.
  if (start) asio::co_spawn(sub->wake.get_executor(), poll_feed(feed), asio::detached);
  return feed;
}

void ScrapeService::leave_feed(const std::shared_ptr<StatusFeed>& feed, const FeedSubscriber* sub) {
  std::lock_guard lock(feeds_mutex_);
  std::erase_if(feed->subscribers, [sub](const auto& s) { return s.get() == sub; });
}

asio::awaitable<void> ScrapeService::poll_feed(std::shared_ptr<StatusFeed> feed) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  for (;;) {
    {
      std::lock_guard lock(feeds_mutex_);
      if (feed->subscribers.empty()) {
        // The last stream left: stop polling; a new subscriber starts a new feed.
        feed->polling = false;
        if (auto it = feeds_.find(feed->city->id); it != feeds_.end() && it->second == feed)
          feeds_.erase(it);
        co_return;
      }
    }
    std::optional<std::string> doc;
    try {
      doc = co_await status_document(*feed->city);
    } catch (const std::exception&) {
      doc.reset();  // the store is busy: try again on the next tick
    }
    std::vector<std::shared_ptr<FeedSubscriber>> notify;
    {
      std::lock_guard lock(feeds_mutex_);
      if (doc && *doc != feed->doc) {
        feed->doc = std::move(*doc);
        ++feed->seq;
        notify = feed->subscribers;
      }
    }
    for (auto& sub : notify)
      asio::post(sub->wake.get_executor(), [sub] { sub->wake.cancel(); });
    tick.expires_after(kStatusPollInterval);
    co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<http::Reply> ScrapeService::events(http::RequestContext& ctx) {
  const Location* city = catalog_.resolve(ctx.param("city"));
  if (!city) {
    co_return error_response(Status::not_found, "city_not_found",
                             fmt::format("no city called '{}'", clean_text(ctx.param("city"), 80)));
  }
  auto client = http::client_key(ctx.remote);
  // The client's slot is taken here, under the lock of the check, and given back when the last
  // holder goes: the stream when it ends, or the unused producer of a HEAD. Counting only once
  // the stream ran let two requests both pass the check for the last slot.
  struct Slot {
    ScrapeService* self;
    http::ClientKey client;
    ~Slot() {
      std::lock_guard lock(self->feeds_mutex_);
      if (auto it = self->streams_by_client_.find(client);
          it != self->streams_by_client_.end() && --it->second == 0)
        self->streams_by_client_.erase(it);
    }
  };
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(feeds_mutex_);
    if (auto it = streams_by_client_.find(client);
        it != streams_by_client_.end() && it->second >= kMaxStreamsPerClient) {
      auto res = error_response(Status::too_many_requests, "too_many_streams",
                                "too many progress streams from this address; close some");
      res.set(bh::field::retry_after, "5");
      co_return res;
    }
    if (auto it = feeds_.find(city->id);
        it != feeds_.end() && it->second->subscribers.size() >= kMaxStreamsPerCity) {
      auto res = error_response(Status::service_unavailable, "too_many_streams",
                                "too many progress streams for this city; poll the status URL");
      res.set(bh::field::retry_after, "5");
      co_return res;
    }
    ++streams_by_client_[client];
    slot.reset(new Slot{this, client});  // no temporary Slot: its destructor gives a slot back
  }
  http::StreamProducer stream = [this, city, slot](http::EventSink& sink) -> asio::awaitable<void> {
    auto held = slot;  // in the coroutine's frame: the slot lasts as long as the stream
    auto sub = std::make_shared<FeedSubscriber>(co_await asio::this_coro::executor);
    auto feed = join_feed(*city, sub);
    if (!feed) co_return;  // filled up since the check above
    // Leaves the feed however the stream ends (client gone, end event, shutdown).
    struct Leave {
      ScrapeService* self;
      std::shared_ptr<StatusFeed> feed;
      const FeedSubscriber* sub;
      ~Leave() { self->leave_feed(feed, sub); }
    } leave{this, feed, sub.get()};
    // A client that leaves ends its stream now, not at the next write: the wait below wakes.
    sink.on_close([sub] { sub->wake.cancel(); });
    std::uint64_t seen = 0;
    auto until = std::chrono::steady_clock::now() + 15min;  // bounded: clients reconnect
    auto quiet_since = std::chrono::steady_clock::now();
    while (!sink.stopping() && !sink.closed() && std::chrono::steady_clock::now() < until) {
      std::uint64_t seq = 0;
      std::string doc;
      {
        std::lock_guard lock(feeds_mutex_);
        seq = feed->seq;
        if (seq != seen) doc = feed->doc;
      }
      if (seq != seen) {
        seen = seq;
        if (!co_await sink.event("status", doc)) co_return;
        quiet_since = std::chrono::steady_clock::now();
        if (doc.find("\"processing\":false") != std::string::npos) {
          co_await sink.event("end", doc);
          co_return;
        }
        continue;  // look again before sleeping: a newer document may have come meanwhile
      }
      if (std::chrono::steady_clock::now() - quiet_since > 15s) {
        if (!co_await sink.send(": keep-alive\n\n")) co_return;  // proxies drop silent streams
        quiet_since = std::chrono::steady_clock::now();
      }
      // Woken by the poller when a new document arrives; the cap bounds a missed wake-up.
      sub->wake.expires_after(1s);
      co_await sub->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  };
  co_return http::Reply::stream(
      http::make_response(Status::ok, "text/event-stream; charset=utf-8", nullptr),
      std::move(stream));
}

asio::awaitable<void> ScrapeService::watchdog() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    try {
      auto expire = [](ScrapeStore& s) { return s.scrape_locks.expire_lapsed_locks(now_s()); };
      for (const auto& id : co_await store_.call(expire)) {
        spdlog::warn(
            "watchdog: the scrape lock of {} lapsed (its holder died?); the city is stale again",
            id);
      }
    } catch (const std::exception& e) {
      spdlog::warn("watchdog: {}", e.what());
    }
    timer.expires_after(options_.watchdog_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

std::string ScrapeService::render_metrics() const {
  auto text = meter_.render_metrics();
  text += "# HELP cinestream_gemini_in_flight Gemini calls in flight in this process.\n";
  text += "# TYPE cinestream_gemini_in_flight gauge\n";
  text += fmt::format("cinestream_gemini_in_flight {}\n", limiter_.in_flight());
  text += "# HELP cinestream_posters_total Poster downloads by outcome.\n";
  text += "# TYPE cinestream_posters_total counter\n";
  text += fmt::format("cinestream_posters_total{{outcome=\"stored\"}} {}\n",
                      poster_stats_.downloaded.load());
  text += fmt::format("cinestream_posters_total{{outcome=\"refused\"}} {}\n",
                      poster_stats_.refused.load());
  text += fmt::format("cinestream_posters_total{{outcome=\"failed\"}} {}\n",
                      poster_stats_.failed.load());
  text += "# HELP cinestream_scrapes_running Scrapes this process is running.\n";
  text += "# TYPE cinestream_scrapes_running gauge\n";
  text += fmt::format("cinestream_scrapes_running {}\n", running_.load());
  text +=
      "# HELP cinestream_scrape_status_polls_total Scrape status documents read from the store.\n";
  text += "# TYPE cinestream_scrape_status_polls_total counter\n";
  text += fmt::format("cinestream_scrape_status_polls_total {}\n", status_polls_.load());
  const auto& n = name_totals_;
  text +=
      "# HELP cinestream_scrape_names_total Cinema names of answer rows by how they were placed "
      "(exact spelling, resolved variant, learned as an alias, asked about).\n";
  text += "# TYPE cinestream_scrape_names_total counter\n";
  for (auto [how, v] : {std::pair{"exact", &n.exact}, std::pair{"resolved", &n.resolved},
                        std::pair{"learned", &n.learned}, std::pair{"asked", &n.asked}}) {
    text += fmt::format("cinestream_scrape_names_total{{how=\"{}\"}} {}\n", how, v->load());
  }
  text += "# HELP cinestream_scrape_rows_dropped_total Answer rows dropped, by reason.\n";
  text += "# TYPE cinestream_scrape_rows_dropped_total counter\n";
  for (auto [reason, v] :
       {std::pair{"malformed", &n.malformed}, std::pair{"bad_time", &n.bad_time},
        std::pair{"outside_days", &n.outside_days}, std::pair{"unknown_cinema", &n.unknown_cinema},
        std::pair{"ambiguous_cinema", &n.ambiguous_cinema},
        std::pair{"invented_cinema", &n.invented_cinema}}) {
    text += fmt::format("cinestream_scrape_rows_dropped_total{{reason=\"{}\"}} {}\n", reason,
                        v->load());
  }
  text += "# HELP cinestream_scrape_units_reasked_total Units asked again after losing rows.\n";
  text += "# TYPE cinestream_scrape_units_reasked_total counter\n";
  text += fmt::format("cinestream_scrape_units_reasked_total {}\n", n.reasked_units.load());
  text +=
      "# HELP cinestream_scrape_lossy_days_total Days left uncovered because too many rows were "
      "dropped.\n";
  text += "# TYPE cinestream_scrape_lossy_days_total counter\n";
  text += fmt::format("cinestream_scrape_lossy_days_total {}\n", n.lossy_days.load());
  text += "# HELP cinestream_scrape_rows_total Showtime rows stored by scrapes, by source.\n";
  text += "# TYPE cinestream_scrape_rows_total counter\n";
  text += fmt::format("cinestream_scrape_rows_total{{source=\"site\"}} {}\n", n.site_rows.load());
  text += fmt::format("cinestream_scrape_rows_total{{source=\"model\"}} {}\n", n.model_rows.load());
  text +=
      "# HELP cinestream_scrape_calls_saved_total Grounded calls cinema sites made unnecessary.\n";
  text += "# TYPE cinestream_scrape_calls_saved_total counter\n";
  text += fmt::format("cinestream_scrape_calls_saved_total {}\n", n.calls_saved.load());
  text += "# HELP cinestream_scrape_site_cinema_days_total (cinema, day) covered by sites.\n";
  text += "# TYPE cinestream_scrape_site_cinema_days_total counter\n";
  text += fmt::format("cinestream_scrape_site_cinema_days_total {}\n", n.site_cinema_days.load());
  text += "# HELP cinestream_scrape_sites_total Cinema sites considered by scrapes, by outcome.\n";
  text += "# TYPE cinestream_scrape_sites_total counter\n";
  for (auto [outcome, v] :
       {std::pair{"structured", &n.sites_structured}, std::pair{"partial", &n.sites_partial},
        std::pair{"none", &n.sites_none}, std::pair{"failing", &n.sites_failing},
        std::pair{"disallowed", &n.sites_disallowed}, std::pair{"skipped", &n.sites_skipped}}) {
    text += fmt::format("cinestream_scrape_sites_total{{outcome=\"{}\"}} {}\n", outcome, v->load());
  }
  if (sites_shared_) {
    auto& st = sites_shared_->stats();
    text += "# HELP cinestream_site_requests_total Requests to cinema sites, by result.\n";
    text += "# TYPE cinestream_site_requests_total counter\n";
    for (auto [result, v] :
         {std::pair{"answered", &st.pages}, std::pair{"not_modified", &st.not_modified},
          std::pair{"failed", &st.failed}, std::pair{"refused", &st.refused},
          std::pair{"robots_txt", &st.robots_fetched}}) {
      text +=
          fmt::format("cinestream_site_requests_total{{result=\"{}\"}} {}\n", result, v->load());
    }
    text += "# HELP cinestream_site_bytes_total Bytes read from cinema sites.\n";
    text += "# TYPE cinestream_site_bytes_total counter\n";
    text += fmt::format("cinestream_site_bytes_total {}\n", st.bytes.load());
  }
  return text;
}

}  // namespace cinestream::agent
