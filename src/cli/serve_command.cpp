#include <sched.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cinestream/agent/scrape_service.hpp"
#include "cinestream/api/api.hpp"
#include "cinestream/catalog/city_catalog.hpp"
#include "cinestream/cli/commands.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "cinestream/http/server.hpp"
#include "cinestream/runtime/event_loops.hpp"
#include "cinestream/store/store.hpp"

namespace cinestream::cli {
namespace asio = boost::asio;

namespace {

unsigned allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// web/ next to the binary's install prefix, else the source tree's (development builds).
std::string find_web_dir(const std::string& configured) {
  if (!configured.empty()) return configured;
  namespace fs = std::filesystem;
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share" / "cinestream" / "web";
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  if (fs::is_directory("web", ec)) return "web";
  return std::string(CINESTREAM_SOURCE_DIR) + "/web";
}

}  // namespace

int serve(const Config& config) {
  std::string secret_key = config.secret_key;
  if (secret_key.empty()) {
    // A random key keeps cookies unforgeable; they just do not survive a restart or span workers.
    spdlog::warn("SECRET_KEY is not set: signed cookies will not survive a restart");
    std::random_device rd;
    for (int i = 0; i < 4; ++i)
      secret_key += fmt::format("{:08x}", rd());
  }
  // Start-up runs before any loop: blocking calls here delay nothing but start-up itself.
  auto store = open_store({config.data_dir, config.mongo_uri, config.blocking_threads});
  store->ensure_schema();
  auto locations = store->locations();
  if (locations.empty()) {
    store->seed_locations(bundled_locations());
    locations = store->locations();
    spdlog::info("seeded {} bundled locations", locations.size());
  }
  CityCatalog catalog(std::move(locations));
  CityVersions versions(catalog);
  versions.update(store->location_states());
  auto static_files = http::StaticFiles::load(find_web_dir(config.web_dir));

  // Demo: the Gemini stand-in runs in this process on loopback and the real client talks to it
  // over HTTP, so the demo exercises the same path as production.
  std::unique_ptr<gemini_sim::SimServer> demo_sim;
  std::string gemini_base_url = config.gemini_base_url;
  std::string gemini_key = config.gemini_api_key;
  if (config.demo) {
    gemini_sim::SimOptions sim_options;
    sim_options.world.seed = config.demo_seed;
    if (!config.demo_faults.empty()) {
      boost::system::error_code ec;
      auto faults = boost::json::parse(config.demo_faults, ec);
      if (ec || !faults.is_object())
        throw std::invalid_argument("--demo-faults: expected a JSON object");
      sim_options.faults = gemini_sim::parse_faults(faults.as_object());
    }
    demo_sim = std::make_unique<gemini_sim::SimServer>(catalog, sim_options);
    demo_sim->start("127.0.0.1", 0);
    gemini_base_url = demo_sim->base_url();
    if (gemini_key.empty()) gemini_key = "demo-key";
    spdlog::warn("DEMO MODE: showtimes are simulated by the local Gemini stand-in at {}",
                 gemini_base_url);
  } else if (gemini_key.empty()) {
    spdlog::warn("no GOOGLE_API_KEY/GEMINI_API_KEY: scrapes will fail until one is configured");
  }

  unsigned threads = config.threads ? config.threads : allowed_cpus();
  EventLoops loops(threads);
  BlockingPool pool(config.blocking_threads, config.blocking_queue);
  AsyncStore async_store(*store, pool);
  VisitCounter visits;

  api::ApiOptions api_options;
  api_options.demo = config.demo;
  api_options.loops = loops.size();
  api_options.posters_dir = (std::filesystem::path(config.data_dir) / "posters").string();
  api_options.secret_key = secret_key;
  api_options.donation_url = config.donation_url;
  api::Api api(catalog, async_store, versions, visits, static_files, api_options);

  agent::ScrapeServiceOptions scrape;
  scrape.plan = agent::parse_plan(config.scrape_plan).value_or(agent::Plan::by_day);
  scrape.lease = std::chrono::duration_cast<std::chrono::seconds>(config.scrape_lease);
  if (scrape.lease < std::chrono::seconds(1)) scrape.lease = std::chrono::seconds(1);
  scrape.watchdog_interval = config.scrape_watchdog;
  scrape.max_age = std::chrono::duration_cast<std::chrono::seconds>(config.scrape_max_age);
  scrape.rate_per_minute = config.scrape_rate_per_minute;
  scrape.rate_burst = std::max(1.0, config.scrape_rate_per_minute);
  scrape.budget_grounded_calls = config.budget_grounded_calls;
  scrape.budget_usd = config.budget_usd;
  scrape.gemini.base_url = gemini_base_url;
  scrape.gemini.api_key = gemini_key;
  scrape.gemini.model = config.gemini_model;
  scrape.gemini.attempt_timeout = config.gemini_timeout;
  gemini::Prices prices = gemini::model_info(config.gemini_model).prices;
  if (config.gemini_price_input_per_million >= 0)
    prices.input_per_million = config.gemini_price_input_per_million;
  if (config.gemini_price_output_per_million >= 0)
    prices.output_per_million = config.gemini_price_output_per_million;
  if (config.gemini_price_per_grounded_call >= 0)
    prices.per_grounded_request = config.gemini_price_per_grounded_call;
  scrape.gemini.prices = prices;
  scrape.gemini_max_in_flight = config.gemini_max_in_flight;
  scrape.posters.dir = (std::filesystem::path(config.data_dir) / "posters").string();
  scrape.posters.max_bytes = config.poster_max_bytes;
  // The demo's stand-in serves posters on loopback; anywhere else that is an SSRF target.
  scrape.posters.allow_private = config.poster_allow_private || config.demo;
  agent::ScrapeService scraper(loops, catalog, async_store, versions, scrape);

  http::Router router;
  api.register_routes(router);
  scraper.register_routes(router);
  HttpMetrics metrics(router.route_names(), loops.size());
  api.set_metrics(&metrics);
  api.set_extra_metrics([&scraper] { return scraper.render_metrics(); });

  http::Server server(loops, router, metrics,
                      {.host = config.host,
                       .port = config.port,
                       .header_timeout = config.header_timeout,
                       .idle_timeout = config.idle_timeout,
                       .write_timeout = config.write_timeout,
                       .header_limit = config.header_limit,
                       .body_limit = config.body_limit,
                       .access_log = config.access_log});
  std::uint16_t port = 0;
  try {
    port = server.listen();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config.host, config.port, e.what());
    return 1;
  }
  server.start();
  if (!config.port_file.empty()) {
    auto tmp = config.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::filesystem::rename(tmp, config.port_file);  // readers never see a half-written file
  }
  spdlog::info(
      "cinestream serving http://{}:{} with {} event loops, {} blocking threads, {} cities",
      config.host, port, loops.size(), pool.threads(), catalog.all().size());

  auto& main_loop = loops.at(0);
  asio::co_spawn(main_loop, api::watch_city_states(async_store, versions, config.refresh_interval),
                 asio::detached);
  asio::co_spawn(main_loop, visits.run(async_store, config.visit_flush_interval), asio::detached);
  asio::co_spawn(main_loop, scraper.watchdog(), asio::detached);

  asio::signal_set signals(main_loop, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining (up to {} ms)", sig, config.shutdown_timeout.count());
    asio::co_spawn(
        main_loop,
        [&]() -> asio::awaitable<void> {
          co_await server.drain(config.shutdown_timeout);
          co_await visits.flush(async_store);
          loops.stop();
        },
        asio::detached);
  });
  ::signal(SIGPIPE, SIG_IGN);

  loops.run();
  if (demo_sim) demo_sim->stop();
  pool.stop();
  visits.flush_blocking(*store);
  spdlog::info("stopped");
  return 0;
}

}  // namespace cinestream::cli
