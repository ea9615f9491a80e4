#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "cinestream/accounts/install.hpp"
#include "cinestream/agent/install.hpp"
#include "cinestream/api/install.hpp"
#include "cinestream/app/app.hpp"
#include "cinestream/catalog/install.hpp"
#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/cli/commands.hpp"
#include "cinestream/gemini_embeddings/gemini_embedding_service.hpp"
#include "cinestream/gemini_metadata/metadata_provider.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "cinestream/http/server.hpp"
#include "cinestream/library/install.hpp"
#include "cinestream/mail/install.hpp"
#include "cinestream/notifications/install.hpp"
#include "cinestream/observability/access_log.hpp"
#include "cinestream/observability/logging.hpp"
#include "cinestream/recommend/install.hpp"
#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/runtime/cpu_layout.hpp"
#include "cinestream/runtime/event_loops.hpp"
#include "cinestream/runtime/supervisor.hpp"
#include "cinestream/runtime/task_processors.hpp"
#include "cinestream/search/install.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/tmdb/metadata_provider.hpp"
#include "cinestream/tmdb_sim/sim_server.hpp"
#include "error_statuses.hpp"
#include "store_setup.hpp"

namespace cinestream::cli {
namespace asio = boost::asio;

namespace {

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

namespace {

// Picks the port once for all workers when --port is 0: a bound, never listening SO_REUSEPORT
// socket holds it (only listening sockets receive connections).
int reserve_port(const std::string& host, std::uint16_t& port) {
  auto address = asio::ip::make_address(host);
  int fd = ::socket(address.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  asio::ip::tcp::endpoint ep(address, 0);
  if (::bind(fd, ep.data(), static_cast<socklen_t>(ep.size())) != 0) {
    ::close(fd);
    throw std::runtime_error(fmt::format("cannot bind {}: {}", host, std::strerror(errno)));
  }
  socklen_t len = static_cast<socklen_t>(ep.capacity());
  ::getsockname(fd, ep.data(), &len);
  port = ep.port();
  return fd;
}

int serve_worker(const Config& config, const std::string& secret_key, unsigned worker_index);

}  // namespace

int serve(const Config& config) {
  std::string secret_key = config.secret_key;
  if (secret_key.empty()) {
    // A random key keeps cookies unforgeable; they just do not survive a restart. Made once, in
    // the supervisor, so every worker accepts the others' cookies.
    spdlog::warn("SECRET_KEY is not set: signed cookies will not survive a restart");
    std::random_device rd;
    for (int i = 0; i < 4; ++i)
      secret_key += fmt::format("{:08x}", rd());
  }
  auto layout = detect_cpu_layout("/sys", config.cpus, config.workers);
  std::vector<std::string> groups;
  for (const auto& g : layout.groups)
    groups.push_back(format_cpu_list(g));
  spdlog::info("CPU layout ({}): allowed {}, workers on {} in {} group(s) [{}]{}", layout.source,
               format_cpu_list(layout.allowed), format_cpu_list(layout.worker_cpus),
               layout.groups.size(), fmt::join(groups, "] ["),
               layout.reserved.empty()
                   ? ""
                   : fmt::format(", reserved {}", format_cpu_list(layout.reserved)));
  if (config.workers == 1 || layout.groups.size() <= 1) {
    if (!config.cpus.empty() || !layout.reserved.empty()) pin_process(layout.worker_cpus);
    Config single = config;
    if (single.threads == 0) single.threads = static_cast<unsigned>(layout.worker_cpus.size());
    return serve_worker(single, secret_key, 0);
  }
  {
    // Schema and bundled cities once, before any worker: they must not race to create them.
    auto store = open_migrated_store(config, 1);
    if (store->locations().locations().empty())
      store->locations().seed_locations(bundled_locations());
  }
  std::uint16_t port = config.port;
  int placeholder = port == 0 ? reserve_port(config.host, port) : -1;
  // The supervisor forks: it must hold no threads, so its logging becomes synchronous.
  shutdown_logging();
  setup_logging(config.log_level, false);
  SupervisorOptions options;
  options.groups = layout.groups;
  options.shutdown_timeout = config.shutdown_timeout;
  int status = supervise(options, [&](const WorkerSpec& spec) {
    if (placeholder >= 0) ::close(placeholder);
    setup_logging(config.log_level, true);
    Config worker = config;
    worker.port = port;
    if (worker.threads == 0) worker.threads = static_cast<unsigned>(spec.cpus.size());
    int code = 1;
    try {
      code = serve_worker(worker, secret_key, spec.index);
    } catch (const std::exception& e) {
      spdlog::critical("worker {}: {}", spec.index, e.what());
    }
    shutdown_logging();
    return code;
  });
  if (placeholder >= 0) ::close(placeholder);
  return status;
}

namespace {

int serve_worker(const Config& config, const std::string& secret_key, unsigned worker_index) {
  // SIGHUP reopens the access log (below); until that handler exists it must not end the process.
  ::signal(SIGHUP, SIG_IGN);
  // Start-up runs before any loop: blocking calls here delay nothing but start-up itself.
  auto store = open_migrated_store(config, config.blocking_threads);
  auto locations = store->locations().locations();
  if (locations.empty()) {
    store->locations().seed_locations(bundled_locations());
    locations = store->locations().locations();
    spdlog::info("seeded {} bundled locations", locations.size());
  }
  CityCatalog catalog(std::move(locations));
  CityVersions versions(catalog);
  versions.update(store->locations().location_states());
  auto static_files = http::StaticFiles::load(find_web_dir(config.web_dir));

  // Demo: the Gemini stand-in runs in this process on loopback and the real client talks to it
  // over HTTP, so the demo exercises the same path as production.
  std::unique_ptr<gemini_sim::SimServer> demo_sim;
  std::string gemini_base_url = config.gemini_base_url;
  std::string gemini_key = config.gemini_api_key;
  if (config.demo) {
    gemini_sim::SimOptions sim_options;
    sim_options.world.seed = config.demo_seed;
    sim_options.serve_sites = config.demo_sites;
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
  // Film metadata comes from TMDB; in demo mode from its local stand-in (the same films as the
  // Gemini stand-in's world), run by the worker that enriches.
  std::unique_ptr<tmdb_sim::SimServer> demo_tmdb;
  std::string tmdb_base_url = config.tmdb_base_url;
  std::string tmdb_key = config.tmdb_api_key;
  const bool enriches = worker_index == 0 && config.enrich_budget_per_hour > 0;
  if (config.demo && enriches && tmdb_key.empty()) {
    demo_tmdb = std::make_unique<tmdb_sim::SimServer>(
        tmdb_sim::World::from_seed(config.demo_seed, catalog), tmdb_sim::SimOptions{});
    demo_tmdb->start("127.0.0.1", 0);
    tmdb_base_url = demo_tmdb->base_url();
    tmdb_key = "demo-key";
    spdlog::warn("DEMO MODE: film metadata comes from the local TMDB stand-in at {}",
                 tmdb_base_url);
  }

  unsigned threads =
      config.threads ? config.threads : static_cast<unsigned>(allowed_cpus_of_process().size());
  EventLoops loops(threads);
  TaskProcessors pools({.db_threads = config.blocking_threads,
                        .db_queue = config.blocking_queue,
                        .cpu_threads = config.cpu_threads,
                        .cpu_nice = config.cpu_nice});
  BlockingPool& pool = pools.db();
  // The features install themselves: each takes the repositories it uses from the database, and
  // registers its routes, background tasks, metrics and drain steps.
  http::Router router;
  register_platform_errors(router);
  App app(loops, pools, *store, router);

  api::ApiOptions api_options;
  api_options.demo = config.demo;
  api_options.posters_dir = (std::filesystem::path(config.data_dir) / "posters").string();
  api_options.secret_key = secret_key;
  api_options.donation_url = config.donation_url;
  api::Api& api = api::install(app, {.catalog = catalog,
                                     .versions = versions,
                                     .static_files = static_files,
                                     .options = std::move(api_options),
                                     .refresh_interval = config.refresh_interval,
                                     .visit_flush_interval = config.visit_flush_interval});

  agent::ScrapeServiceOptions scrape;
  scrape.plan = agent::parse_plan(config.scrape_plan).value_or(agent::Plan::by_day);
  // The store keeps lease expiries in whole seconds of a floored clock, so a lease of N s may
  // lapse up to a second early, between two renewals (seen under ASan: 1.5 s became 1 s, and the
  // watchdog freed a live holder's lock). Round up and add that second.
  scrape.lease =
      std::chrono::ceil<std::chrono::seconds>(config.scrape_lease) + std::chrono::seconds(1);
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
  scrape.posters.allow_private = config.poster_allow_private;
  scrape.posters.allow_loopback = config.demo;
  // In demo mode the stand-in's cinemas have websites only when it serves them (--demo-sites),
  // on loopback (*.localhost); anywhere else loopback and private addresses are SSRF targets.
  scrape.read_sites = config.read_sites && (!config.demo || config.demo_sites);
  scrape.sites.delay = config.site_delay;
  scrape.sites.max_pages = config.site_max_pages;
  scrape.sites.allow_loopback = config.demo;
  scrape.sites.allow_private = config.site_allow_private;
  const gemini::ClientOptions scrape_gemini = scrape.gemini;  // the enricher's fallback too
  auto& scraper = agent::install(app, catalog, versions, std::move(scrape));

  mail::MailOptions mail_options;
  mail_options.smtp_url = config.smtp_url;
  mail_options.require_starttls = config.smtp_starttls;
  mail_options.username = config.smtp_user;
  mail_options.password = config.smtp_password;
  mail_options.from = config.smtp_from;
  mail_options.ca_file = config.smtp_ca_file;
  mail_options.timeout = std::chrono::ceil<std::chrono::seconds>(config.smtp_timeout);
  mail_options.max_attempts = config.smtp_max_attempts;
  mail::OutboxWorker* mail_worker = mail::install(app, std::move(mail_options));

  accounts::AccountsOptions accounts_options;
  accounts_options.bcrypt_cost = config.bcrypt_cost;
  accounts_options.auth_rate_per_minute = config.auth_rate_per_minute;
  accounts_options.mail_queued = [mail_worker] {
    if (mail_worker) mail_worker->notify();
  };
  accounts_options.public_origin = config.public_origin.empty()
                                       ? fmt::format("http://{}:{}", config.host, config.port)
                                       : config.public_origin;
  accounts_options.known_city = [&catalog](std::string_view id) {
    const Location* l = catalog.resolve(id);
    return l && l->id == id;
  };
  auto& account_service = accounts::install(
      app, {.keys = config.jwt_keys.empty() ? accounts::KeyRing::derived_from(secret_key)
                                            : accounts::KeyRing::parse(config.jwt_keys),
            .options = std::move(accounts_options)});

  catalog::CatalogFeature catalog_feature;
  catalog_feature.api.known_city = [&catalog](std::string_view id) {
    const Location* l = catalog.resolve(id);
    return l && l->id == id;
  };
  catalog_feature.link_interval = config.catalog_link_interval;
  catalog_feature.run_linker = worker_index == 0;
  if (enriches) {
    // The enricher runs on the first loop (App::spawn): its clients are bound to it.
    auto executor = loops.at(0).get_executor();
    if (!tmdb_key.empty()) {
      tmdb::ClientOptions tmdb_options;
      tmdb_options.base_url = tmdb_base_url;
      tmdb_options.credential = tmdb_key;
      catalog_feature.metadata =
          std::make_unique<tmdb::TmdbMetadataProvider>(executor, std::move(tmdb_options));
    } else if (!gemini_key.empty()) {
      gemini::ClientOptions gemini_options = scrape_gemini;
      catalog_feature.metadata = std::make_unique<gemini_metadata::GeminiMetadataProvider>(
          executor, std::move(gemini_options));
    }
    if (!catalog_feature.metadata)
      spdlog::info("no TMDB_API_KEY nor Gemini key: films keep what the scrapes found");
    catalog_feature.enrich.budget_per_hour = config.enrich_budget_per_hour;
    catalog_feature.posters = [&scraper](std::string url) {
      return scraper.fetch_poster(std::move(url));
    };
  }
  auto& films = catalog::install(app, std::move(catalog_feature));
  library::install(app, account_service, films);

  search::SearchFeature search_feature;
  search_feature.service.refresh_interval = config.search_refresh_interval;
  search_feature.api.known_city = [&catalog](std::string_view id) {
    const Location* l = catalog.resolve(id);
    return l && l->id == id;
  };
  bool gemini_vectors =
      config.search_embeddings == "gemini" ||
      (config.search_embeddings == "auto" && !config.demo && !config.gemini_api_key.empty());
  if (gemini_vectors) {
    gemini_embeddings::GeminiEmbeddingOptions embedding;
    embedding.client.base_url = gemini_base_url;
    embedding.client.api_key = gemini_key;
    search_feature.remote = std::make_unique<gemini_embeddings::GeminiEmbeddingService>(
        loops.at(0).get_executor(), std::move(embedding));
  }
  auto& search_service = search::install(app, films, std::move(search_feature));

  recommend::RecommendFeature recommend_feature;
  recommend_feature.service.refresh_interval = config.recommend_refresh_interval;
  recommend_feature.api.known_city = [&catalog](std::string_view id) {
    const Location* l = catalog.resolve(id);
    return l && l->id == id;
  };
  recommend::install(app, films, &search_service.embedder(), std::move(recommend_feature));

  notifications::NotificationsFeature notify;
  notify.notifier.interval = config.notify_interval;
  notify.notifier.digest_hour = config.digest_hour;
  notify.notifier.public_origin = account_service.options().public_origin;
  notify.notifier.city_name = [&catalog](std::string_view id, std::string_view lang) {
    const Location* l = catalog.resolve(id);
    if (!l) return std::string(id);
    return l->name.in(parse_lang(lang).value_or(Lang::ua));
  };
  notify.notifier.mail_queued = [mail_worker] {
    if (mail_worker) mail_worker->notify();
  };
  // Every process runs one notifier (on worker 0); the store's claims keep notices exactly once.
  notify.run_notifier = worker_index == 0;
  notify.known_city = [&catalog](std::string_view id) {
    const Location* l = catalog.resolve(id);
    return l && l->id == id;
  };
  notifications::install(app, account_service, std::move(notify));

  // Unsafe API requests: JSON only and from this site's pages (no cross-site spending of scrapes).
  router.set_csrf_check(http::middleware::api_csrf_check(config.public_origin));
  HttpMetrics metrics(router.route_names(), loops.size());
  api.set_metrics(&metrics);
  std::shared_ptr<AccessLog> access_log;
  if (config.access_log) {
    AccessLogOptions log_options;
    log_options.path = config.access_log_file;
    log_options.format =
        parse_access_log_format(config.access_log_format).value_or(AccessLogFormat::logfmt);
    access_log = std::make_shared<AccessLog>(log_options, loops.size());
  }
  const http::Server* server_ptr = nullptr;  // set once the server exists, before any request
  app.add_metrics([&pools, worker_index, &server_ptr, &access_log] {
    auto open = server_ptr ? server_ptr->active_connections() : 0;
    auto websockets = server_ptr ? server_ptr->open_websockets() : 0;
    return pools.render_metrics() + (access_log ? access_log->render_metrics() : std::string()) +
           fmt::format(
               "# HELP cinestream_connections_open Client connections open in this "
               "worker.\n# TYPE cinestream_connections_open gauge\n"
               "cinestream_connections_open {}\n"
               "# HELP cinestream_websockets_open Of those, the ones upgraded to a WebSocket.\n"
               "# TYPE cinestream_websockets_open gauge\n"
               "cinestream_websockets_open {}\n",
               open, websockets) +
           fmt::format(
               "# HELP cinestream_worker_info This worker process.\n# TYPE cinestream_worker_info "
               "gauge\n"
               "cinestream_worker_info{{pid=\"{}\",worker=\"{}\",cpus=\"{}\"}} 1\n",
               ::getpid(), worker_index, format_cpu_list(allowed_cpus_of_process()));
  });

  http::Server server(
      loops, router, metrics,
      {.host = config.host,
       .port = config.port,
       .header_timeout = config.header_timeout,
       .idle_timeout = config.idle_timeout,
       .write_timeout = config.write_timeout,
       .header_limit = config.header_limit,
       .body_limit = config.body_limit,
       .access_log = config.access_log,
       .access_log_sink = access_log,
       .limits = {.requests_per_second = config.api_rate_per_second,
                  .request_burst = config.api_burst,
                  .max_connections = config.max_connections_per_client,
                  .trusted_proxies = http::parse_address_blocks(config.trusted_proxies)},
       // Pages open WebSockets from the public origin; without one configured, from the Host.
       .websocket = {.allowed_origins = config.public_origin.empty()
                                            ? std::vector<std::string>{}
                                            : std::vector<std::string>{config.public_origin}}});
  server_ptr = &server;
  std::uint16_t port = 0;
  try {
    port = server.listen();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}:{}: {}", config.host, config.port, e.what());
    return 1;
  }
  server.start();
  if (!config.port_file.empty()) {
    auto tmp = fmt::format("{}.{}.tmp", config.port_file, ::getpid());  // workers write it too
    std::ofstream(tmp) << port << "\n";
    std::filesystem::rename(tmp, config.port_file);  // readers never see a half-written file
  }
  spdlog::info(
      "cinestream serving http://{}:{} with {} event loops, {} blocking threads, {} cities",
      config.host, port, loops.size(), pool.threads(), catalog.all().size());

  auto& main_loop = loops.at(0);
  app.start();

  asio::signal_set signals(main_loop, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining (up to {} ms)", sig, config.shutdown_timeout.count());
    asio::co_spawn(
        main_loop,
        [&]() -> asio::awaitable<void> {
          co_await app.drain(DrainStage::before_requests_end);  // scrapes free their locks
          co_await server.drain(config.shutdown_timeout);
          co_await app.drain(DrainStage::after_requests_end);
          loops.stop();
        },
        asio::detached);
  });
  // SIGHUP (logrotate's postrotate, or the supervisor passing it on): the access log file is
  // reopened; nothing else changes.
  asio::signal_set hangups(main_loop, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hangup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (access_log) access_log->reopen();
        hangups.async_wait(on_hangup);
      };
  hangups.async_wait(on_hangup);
  ::signal(SIGPIPE, SIG_IGN);

  loops.run();
  if (demo_sim) demo_sim->stop();
  if (demo_tmdb) demo_tmdb->stop();
  pools.stop();      // before the loops' shutdown: their threads post completions to them
  loops.shutdown();  // coroutines cut short by the drain end while the services exist
  app.exit();
  if (access_log) access_log->stop();  // the loops are done: their last lines are written
  spdlog::info("stopped");
  return 0;
}

}  // namespace

}  // namespace cinestream::cli
