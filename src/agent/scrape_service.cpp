#include "cinestream/agent/scrape_service.hpp"

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
          {"dropped", p.dropped.total()}};
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
};

// Merges bump the city's data_version, which CityVersions polls; a status read also raises it
// (see status_document).
ScrapeService::ScrapeService(EventLoops& loops, const CityCatalog& catalog, AsyncStore& store,
                             CityVersions& versions, ScrapeServiceOptions options)
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
    posters_.push_back(std::make_unique<PosterFetcher>(loops_.at(i).get_executor(), store_,
                                                       options_.posters, poster_stats_));
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

bool ScrapeService::allow_client(const std::string& client, std::chrono::seconds& retry_after) {
  std::lock_guard lock(buckets_mutex_);
  auto now = std::chrono::steady_clock::now();
  if (buckets_.size() > 10'000)
    buckets_.clear();  // bounded; a reset favours clients, not attackers' memory
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{options_.rate_burst, now});
  auto& b = it->second;
  double per_second = options_.rate_per_minute / 60.0;
  b.tokens = std::min(options_.rate_burst,
                      b.tokens + std::chrono::duration<double>(now - b.at).count() * per_second);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after = std::chrono::seconds(static_cast<long>(std::ceil((1.0 - b.tokens) / per_second)));
  return false;
}

asio::awaitable<void> ScrapeService::charge_budget() {
  auto prices = clients_.front()->model().prices;
  // Charged before the call at a conservative estimate: the grounded fee plus ~4k output tokens.
  auto micro = static_cast<std::int64_t>((prices.per_grounded_request + prices.per_search_query +
                                          4000 * prices.output_per_million / 1e6) *
                                         1e6);
  auto day = utc_day(now_s());
  auto max_calls = options_.budget_grounded_calls;
  auto max_micro = static_cast<std::int64_t>(options_.budget_usd * 1e6);
  auto charge = [day, micro, max_calls, max_micro](Store& s) {
    return s.charge_budget(day, 1, micro, max_calls, max_micro);
  };
  if (!co_await store_.call(std::move(charge))) {
    throw BudgetExhausted("the daily Gemini budget is spent; scraping resumes tomorrow");
  }
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
                             fmt::format("no city called '{}'", city_arg.substr(0, 80)));
  }
  std::chrono::seconds retry_after{0};
  if (!allow_client(ctx.remote.to_string(), retry_after)) {
    auto res = error_response(Status::too_many_requests, "rate_limited",
                              "too many scrape requests from this address; try again later");
    res.set(bh::field::retry_after, std::to_string(retry_after.count()));
    co_return res;
  }
  std::string id = city->id;
  auto zone = catalog_.zone(*city);
  auto now = now_s();
  auto days = horizon(local_date(zone, now), options_.horizon_days);
  auto look = [id, from = days.front(), to = days.back()](Store& s) {
    return std::make_pair(s.location_state(id), s.covered_days(id, from, to));
  };
  auto [state, covered] = co_await store_.call(std::move(look));
  auto status_url = "/api/scrape/status/" + id;
  bool stale_by_age = state && state->last_updated && now - *state->last_updated > options_.max_age;
  bool complete = covered.size() >= days.size() && !stale_by_age;
  if (state && state->status != ScrapeStatus::processing && complete) {
    json::object body{{"status", "fresh"}, {"city", id}, {"status_url", status_url}};
    if (state->last_updated) body["last_updated"] = format_utc(*state->last_updated);
    co_return http::json_response(Status::ok, json::serialize(body));
  }
  if (!state || state->status != ScrapeStatus::processing) {
    auto day = utc_day(now);
    auto query = [day](Store& s) { return s.budget_used(day); };
    auto used = co_await store_.call(std::move(query));
    if (used.grounded_calls >= options_.budget_grounded_calls ||
        static_cast<double>(used.micro_usd) / 1e6 >= options_.budget_usd) {
      auto res = error_response(Status::too_many_requests, "budget_exhausted",
                                "today's scraping budget is spent; showtimes already found stay "
                                "available and scraping resumes tomorrow");
      res.set(bh::field::retry_after, "3600");
      co_return res;
    }
  }
  auto owner = fmt::format("{}:{}", owner_prefix_, ++scrape_counter_);
  auto lease = options_.lease;
  auto lock = [id, owner, lease, now](Store& s) {
    return s.try_lock_city(id, owner, "request", lease, now);
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
  auto res = http::json_response(Status::accepted, json::serialize(body));
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
      auto write = [city = running->city, owner = running->owner, p = running->progress](Store& s) {
        return s.set_progress(city, owner, p);
      };
      running->written = running->progress;
      try {
        co_await store_.call(std::move(write));
      } catch (const std::exception& e) {
        spdlog::warn("scrape {}: progress not saved: {}", running->city, e.what());
      }
    }
    if (!running->finished && std::chrono::steady_clock::now() - last_renew >= renew_every) {
      auto renew = [city = running->city, owner = running->owner, lease = options_.lease](
                       Store& s) { return s.renew_city_lock(city, owner, lease, now_s()); };
      bool ok = false;
      try {
        ok = co_await store_.call(std::move(renew));
      } catch (const std::exception& e) {
        spdlog::warn("scrape {}: lease not renewed: {}", running->city, e.what());
      }
      if (!ok) spdlog::warn("scrape {}: lost the lock (lease lapsed?)", running->city);
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
  asio::co_spawn(ex, heartbeat(running), asio::detached);

  ScrapeOptions opts;
  opts.plan = options_.plan;
  opts.horizon_days = options_.horizon_days;
  opts.full_refresh = full_refresh;
  ScraperHooks hooks;
  hooks.before_call = [this]() { return charge_budget(); };
  hooks.on_progress = [running, plan = options_.plan](const ScrapeProgress& p) {
    running->progress = json::serialize(progress_json(p, plan));
  };
  Scraper scraper(client_for_this_loop(), store_, catalog_, opts, hooks);
  ScrapeReport report;
  std::string failure;
  try {
    report = co_await scraper.run(*city);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  running->finished = true;
  running->wake->cancel();
  ScrapeStatus final_status = ScrapeStatus::fresh;
  std::string error = failure.empty() ? report.error : failure;
  if (!failure.empty() || report.budget_exhausted) {
    final_status = ScrapeStatus::failed;
  } else if (report.days_covered.size() < report.days_asked.size()) {
    final_status = report.days_covered.empty() ? ScrapeStatus::failed : ScrapeStatus::stale;
  }
  report.progress.step = "done";
  auto finish = [id = city->id, owner,
                 progress = json::serialize(progress_json(report.progress, options_.plan)),
                 final_status, error](Store& s) {
    s.set_progress(id, owner, progress);
    return s.release_city_lock(id, owner, final_status, error, now_s());
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
  if (!released) spdlog::warn("scrape {}: the lock had passed to another process", city->id);
  --running_;
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

asio::awaitable<std::optional<std::string>> ScrapeService::status_document(const Location& city) {
  std::string id = city.id;
  auto days = horizon(local_date(catalog_.zone(city), now_s()), options_.horizon_days);
  auto look = [id, from = days.front(), to = days.back()](Store& s) {
    return std::make_pair(s.location_state(id), s.covered_days(id, from, to));
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
  co_return json::serialize(body);
}

asio::awaitable<http::Reply> ScrapeService::status(http::RequestContext& ctx) {
  const Location* city = catalog_.resolve(ctx.param("city"));
  if (!city) {
    co_return error_response(Status::not_found, "city_not_found",
                             fmt::format("no city called '{}'", ctx.param("city").substr(0, 80)));
  }
  auto doc = co_await status_document(*city);
  if (!doc)
    co_return error_response(Status::not_found, "city_not_found", "no such city in the store");
  auto res = http::json_response(Status::ok, std::move(*doc));
  res.set(bh::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<http::Reply> ScrapeService::events(http::RequestContext& ctx) {
  const Location* city = catalog_.resolve(ctx.param("city"));
  if (!city) {
    co_return error_response(Status::not_found, "city_not_found",
                             fmt::format("no city called '{}'", ctx.param("city").substr(0, 80)));
  }
  http::StreamProducer stream = [this, city](http::EventSink& sink) -> asio::awaitable<void> {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    std::string last;
    auto until = std::chrono::steady_clock::now() + 15min;  // bounded: clients reconnect
    auto quiet_since = std::chrono::steady_clock::now();
    while (!sink.stopping() && std::chrono::steady_clock::now() < until) {
      std::optional<std::string> doc;
      try {
        doc = co_await status_document(*city);
      } catch (const std::exception&) {
        doc.reset();  // the store is busy: try again on the next tick
      }
      if (doc && *doc != last) {
        if (!co_await sink.event("status", *doc)) co_return;
        last = *doc;
        quiet_since = std::chrono::steady_clock::now();
        if (doc->find("\"processing\":false") != std::string::npos) {
          co_await sink.event("end", *doc);
          co_return;
        }
      } else if (std::chrono::steady_clock::now() - quiet_since > 15s) {
        if (!co_await sink.send(": keep-alive\n\n")) co_return;  // proxies drop silent streams
        quiet_since = std::chrono::steady_clock::now();
      }
      tick.expires_after(300ms);
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
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
      auto expire = [](Store& s) { return s.expire_lapsed_locks(now_s()); };
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
  return text;
}

}  // namespace cinestream::agent
