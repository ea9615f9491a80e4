// Compares the default scrape plan (one grounded call per missing day, split when cut short)
// with the original CineStream's (one call per movie per day) on the same stand-in world:
// grounded calls, tokens, estimated cost, wall time, recall and precision, and the cost of the
// next day's refresh. Usage: cinestream_bench_scrape [--latency-ms 3000] [--city kyiv] [--seed 1]
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>

#include "cinestream/agent/scraper.hpp"
#include "cinestream/gemini_sim/scoring.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "cinestream/store/sqlite_store.hpp"

namespace cs = cinestream;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct Result {
  std::string name;
  cs::gemini::Usage usage;
  double seconds = 0;
  double recall = 0;
  double precision = 0;
};

struct Bench {
  const cs::CityCatalog& catalog;
  cs::gemini_sim::SimServer& sim;
  const cs::Location& city;
  std::string dir;

  // Runs the plan on a fresh store; `refresh` then runs it again one day later.
  std::pair<Result, Result> run(cs::agent::Plan plan, bool refresh) {
    auto path = fmt::format("{}/{}.sqlite3", dir, cs::agent::to_string(plan));
    std::filesystem::remove(path);
    auto store = cs::make_sqlite_store(path, 4);
    store->ensure_schema();
    store->locations().seed_locations(catalog.all());
    cs::BlockingPool pool(2, 1024);
    auto repos = cs::agent::scrape_store_of(*store);
    cs::Async<cs::agent::ScrapeStore> async(repos, pool);
    asio::io_context io;
    cs::net::HttpClient http(io.get_executor());
    cs::gemini::UsageMeter meter;
    cs::gemini::CallLimiter limiter(8);
    cs::gemini::ClientOptions options;
    options.base_url = sim.base_url();
    options.api_key = "bench";
    cs::gemini::Client client(http, options, meter, limiter);
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(
        date::sys_days{date::floor<date::days>(std::chrono::system_clock::now())} + date::days{1} -
        2h);
    auto once = [&](std::string name) {
      cs::agent::ScrapeOptions so;
      so.plan = plan;
      cs::agent::ScraperHooks hooks;
      hooks.now = [&] { return now; };
      cs::agent::Scraper scraper(client, async, catalog, so, hooks);
      auto start = std::chrono::steady_clock::now();
      auto fut = asio::co_spawn(io, scraper.run(city), asio::use_future);
      io.run();
      io.restart();
      auto report = fut.get();
      Result r;
      r.name = std::move(name);
      r.usage = report.progress.usage;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      auto zone = catalog.zone(city);
      auto stored = store->showtimes().movies_between(city.id, now - 48h, now + 30 * 24h);
      auto sc = cs::gemini_sim::score(sim.service().world(), city, zone, cs::local_date(zone, now),
                                      14, stored);
      r.recall = sc.recall();
      r.precision = sc.precision();
      return r;
    };
    auto full = once(fmt::format("{} (full, 14 days)", cs::agent::to_string(plan)));
    Result next;
    if (refresh) {
      now += 24h;
      next = once(fmt::format("{} (next-day refresh)", cs::agent::to_string(plan)));
    }
    pool.stop();
    return {full, next};
  }
};

void print_row(const Result& r) {
  fmt::print("| {:<34} | {:>8} | {:>8} | {:>9} | {:>9.4f} | {:>8.1f} | {:>6.1f}% | {:>9.1f}% |\n",
             r.name, r.usage.grounded_calls, r.usage.calls, r.usage.total_tokens, r.usage.cost_usd,
             r.seconds, r.recall * 100, r.precision * 100);
}

}  // namespace

int main(int argc, char** argv) {
  int latency_ms = 3000;
  std::string city_id = "kyiv";
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--latency-ms") latency_ms = std::stoi(argv[i + 1]);
    if (flag == "--city") city_id = argv[i + 1];
    if (flag == "--seed") seed = std::stoull(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  cs::CityCatalog catalog(cs::bundled_locations());
  const auto* city = catalog.resolve(city_id);
  if (!city) {
    fmt::print(stderr, "unknown city {}\n", city_id);
    return 2;
  }
  cs::gemini_sim::SimOptions so;
  so.world.seed = seed;
  so.world.cinemas = 10;
  so.world.movies = 15;
  so.faults.latency = std::chrono::milliseconds(latency_ms);
  cs::gemini_sim::SimServer sim(catalog, so);
  sim.start("127.0.0.1", 0);
  auto dir =
      (std::filesystem::temp_directory_path() / fmt::format("cinestream-bench-{}", ::getpid()))
          .string();
  std::filesystem::create_directories(dir);
  Bench bench{catalog, sim, *city, dir};

  fmt::print(
      "Scrape plans on the stand-in world: {} ({} cinemas, {} movies, 14 days), {} ms per call, "
      "8 calls in flight, gemini-2.5-flash prices\n\n",
      city->name.en, so.world.cinemas, so.world.movies, latency_ms);
  auto [ours, refresh] = bench.run(cs::agent::Plan::by_day, true);
  auto [original, unused] = bench.run(cs::agent::Plan::per_movie_day, false);
  (void)unused;
  fmt::print("| {:<34} | {:>8} | {:>8} | {:>9} | {:>9} | {:>8} | {:>7} | {:>10} |\n", "plan",
             "grounded", "calls", "tokens", "cost $", "wall s", "recall", "precision");
  fmt::print("|{:-<36}|{:-<10}|{:-<10}|{:-<11}|{:-<11}|{:-<10}|{:-<9}|{:-<12}|\n", "", "", "", "",
             "", "", "", "");
  print_row(ours);
  print_row(refresh);
  print_row(original);
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  fmt::print(
      "\nratios (default / original): grounded calls {:.3f} (target <= 0.2), tokens {:.3f}, cost "
      "{:.3f}, "
      "wall time {:.3f}\n",
      ratio(static_cast<double>(ours.usage.grounded_calls),
            static_cast<double>(original.usage.grounded_calls)),
      ratio(static_cast<double>(ours.usage.total_tokens),
            static_cast<double>(original.usage.total_tokens)),
      ratio(ours.usage.cost_usd, original.usage.cost_usd), ratio(ours.seconds, original.seconds));
  fmt::print(
      "next-day refresh / full scrape (default plan): grounded calls {:.3f} (target <= 0.10)\n",
      ratio(static_cast<double>(refresh.usage.grounded_calls),
            static_cast<double>(ours.usage.grounded_calls)));
  fmt::print("full scrape wall time (default plan): {:.1f} s (target <= 60 s)\n", ours.seconds);
  sim.stop();
  std::filesystem::remove_all(dir);
  return 0;
}
