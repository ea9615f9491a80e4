// cinestream: the showtimes server and its tools. Subcommands: serve, init-db, users, gemini-sim.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cinestream/cli/commands.hpp"
#include "cinestream/config/config.hpp"
#include "cinestream/observability/logging.hpp"
#include "cinestream/version.hpp"

namespace {

struct FlagSpec {
  const char* name;
  const char* help;
};

// Every setting can be given as a flag; environment and .env names are in the README.
const std::vector<FlagSpec> kSettingFlags = {
    {"host", "address to listen on (CINESTREAM_HOST; default 127.0.0.1)"},
    {"port", "port to listen on, 0 for any (CINESTREAM_PORT; default 8080)"},
    {"data-dir", "directory of the embedded store and downloaded posters (default ./data)"},
    {"web-dir", "directory of the web page (default: installed or source web/)"},
    {"port-file", "write the bound port to this file once listening"},
    {"threads", "event-loop threads per worker, 0 = one per CPU of its group"},
    {"workers", "worker processes sharing the port, 0 = one per core group, 1 = no supervisor"},
    {"cpus", "CPUs for the workers, e.g. 6-13 (default: E-cores on hybrid CPUs, else all)"},
    {"blocking-threads", "threads of the blocking pool (database, files)"},
    {"blocking-queue", "bound of the blocking pool's queue"},
    {"mongo-uri", "MongoDB URI (MONGO_URI); empty = embedded store"},
    {"gemini-api-key", "Gemini API key (GOOGLE_API_KEY or GEMINI_API_KEY)"},
    {"gemini-model", "flash, pro or a full model name (GEMINI_MODEL)"},
    {"gemini-base-url", "Gemini endpoint (GEMINI_BASE_URL); http only to loopback"},
    {"gemini-max-in-flight", "Gemini calls in flight for the whole process"},
    {"gemini-timeout-ms", "deadline of one Gemini attempt"},
    {"gemini-price-input", "US dollars per million input tokens (default: the model's)"},
    {"gemini-price-output", "US dollars per million output tokens (default: the model's)"},
    {"gemini-price-grounded", "US dollars per grounded call (default: the model's)"},
    {"demo-seed", "seed of the demo stand-in's world"},
    {"demo-sites", "the demo stand-in also serves its cinemas' websites, and scrapes read them"},
    {"demo-faults", "faults of the demo stand-in as JSON, e.g. {\"latency_ms\":3000}"},
    {"scrape-plan", "by_day (default) or per_movie_day (the original's, for comparison)"},
    {"scrape-lease-ms", "city lock lease; the holder renews it while it works"},
    {"scrape-watchdog-ms", "how often lapsed leases are freed"},
    {"scrape-max-age-ms", "data older than this is scraped again in full"},
    {"scrape-rate-per-minute", "scrape requests allowed per client per minute"},
    {"budget-grounded-calls", "grounded Gemini calls allowed per UTC day, all processes"},
    {"budget-usd", "estimated Gemini spend allowed per UTC day, all processes"},
    {"donation-url", "donation link shown on the page (https)"},
    {"poster-allow-private", "let poster downloads reach private addresses (on in demo mode)"},
    {"poster-max-bytes", "largest poster accepted, bytes"},
    {"read-sites", "read cinemas' own websites (schema.org showtimes) before asking the model"},
    {"site-delay-ms", "pause between two requests to one cinema site (Crawl-delay wins)"},
    {"site-max-pages", "pages read per cinema site and scrape"},
    {"site-allow-private", "let the site reader reach private and loopback addresses"},
    {"secret-key", "key that signs cookies (SECRET_KEY)"},
    {"jwt-keys",
     "access-token keys kid:secret[,kid:secret] (first signs; default: from SECRET_KEY)"},
    {"bcrypt-cost", "bcrypt cost of new password hashes (4-15, default 12)"},
    {"cpu-threads", "threads of the cpu pool (password hashing)"},
    {"cpu-nice", "nice value of the cpu pool, 0-19 (19: hashing yields to everything else)"},
    {"auth-rate-per-minute",
     "sign-up/sign-in requests per client per minute and route, 0 = no limit"},
    {"smtp-url",
     "SMTP server for email, smtp://host:port or smtps:// (SMTP_URL); empty = none sent"},
    {"smtp-user", "SMTP login (SMTP_USER)"},
    {"smtp-password", "SMTP password (better: the SMTP_PASSWORD environment variable)"},
    {"smtp-from", "sender of email, e.g. CineStream <noreply@example.org> (SMTP_FROM)"},
    {"smtp-starttls", "require STARTTLS on smtp:// (true/false; default true)"},
    {"smtp-ca-file", "CA certificates for the SMTP server (default: the system's)"},
    {"smtp-timeout-ms", "deadline of one SMTP delivery"},
    {"smtp-max-attempts", "delivery attempts before a message is dead-lettered"},
    {"header-timeout-ms", "deadline to read a request once it starts"},
    {"idle-timeout-ms", "deadline for an idle keep-alive connection"},
    {"write-timeout-ms", "deadline to write a response"},
    {"shutdown-timeout-ms", "how long in-flight requests may take after SIGTERM"},
    {"header-limit", "largest request header block, bytes"},
    {"body-limit", "largest request body, bytes"},
    {"api-rate-per-second", "requests per second allowed per client, 0 = no limit"},
    {"api-burst", "requests a client may make at once before its rate applies"},
    {"max-connections-per-client", "open connections allowed per client address, 0 = no limit"},
    {"trusted-proxies", "proxies whose X-Real-IP names the client, e.g. 127.0.0.1,::1"},
    {"public-origin",
     "the site's origin, e.g. https://cinema.example (CSRF checks, links in email)"},
    {"refresh-interval-ms", "how often changes made by other processes are picked up"},
    {"visit-flush-ms", "how often the visitor counter is written"},
    {"catalog-link-ms", "how often new city movies are linked to catalogue films"},
    {"notify-interval-ms", "how often films arriving in cities are looked for and notified"},
    {"recommend-refresh-ms", "how often the recommendation model is rebuilt from all ratings"},
    {"search-refresh-ms", "how often the search index is rebuilt from the catalogue"},
    {"search-embeddings", "search vectors from: auto, offline or gemini (the embedding API)"},
    {"digest-hour", "UTC hour (0-23) from which the daily notification digests are emailed"},
    {"tmdb-api-key", "TMDB v3 API key or v4 read token for film metadata (TMDB_API_KEY)"},
    {"tmdb-base-url", "TMDB API endpoint (CINESTREAM_TMDB_BASE_URL); http only to loopback"},
    {"enrich-budget-per-hour", "calls to the film metadata provider per hour, 0 = no enrichment"},
    {"log-level", "trace, debug, info, warn, error or off"},
    {"access-log", "one log line per request (true/false)"},
    {"access-log-file", "access log file, reopened on SIGHUP (default: standard error)"},
    {"access-log-format", "access log lines: logfmt or json"},
};

struct CommonOptions {
  std::map<std::string, std::string> raw;
  std::map<std::string, CLI::Option*> options;
  std::string env_file = ".env";
  CLI::Option* env_file_option = nullptr;
  bool demo = false;
  CLI::Option* demo_option = nullptr;

  void attach(CLI::App& app) {
    for (const auto& f : kSettingFlags) {
      options[f.name] = app.add_option(fmt::format("--{}", f.name), raw[f.name], f.help);
    }
    env_file_option = app.add_option("--env-file", env_file, "settings file (default ./.env)");
    demo_option = app.add_flag("--demo,!--no-demo", demo,
                               "run a local Gemini stand-in and mark data as simulated "
                               "(default: on when no API key is configured)");
  }

  cinestream::FlagValues given() const {
    cinestream::FlagValues out;
    for (const auto& [name, opt] : options) {
      if (opt->count() > 0) out[name] = raw.at(name);
    }
    if (demo_option->count() > 0) out["demo"] = demo ? "true" : "false";
    return out;
  }
};

}  // namespace

int main(int argc, char** argv) {
  // Over a file size limit (RLIMIT_FSIZE, quotas) a write then fails with EFBIG, as on a full
  // disk, and the store reports it, instead of the signal killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"CineStream: movie showtimes for every city, found by an AI agent", "cinestream"};
  app.set_version_flag("--version", std::string("cinestream ") + cinestream::kVersion);
  app.require_subcommand(1);

  CommonOptions serve_opts, init_opts;
  auto* serve = app.add_subcommand("serve", "serve the site and the API");
  serve_opts.attach(*serve);
  auto* init_db =
      app.add_subcommand("init-db", "create the schema and seed locations (idempotent)");
  init_opts.attach(*init_db);

  CommonOptions users_opts;
  cinestream::cli::UsersArgs users_args;
  auto* users = app.add_subcommand("users", "manage accounts (operators)");
  users->require_subcommand(1);
  auto* users_create = users->add_subcommand(
      "create", "create a verified account; the password is read from standard input");
  users_create->add_option("--email", users_args.email, "email address")->required();
  users_create->add_option("--display-name", users_args.display_name, "name shown")->required();
  users_create->add_option("--role", users_args.role, "customer, staff, manager or admin");
  auto* users_role = users->add_subcommand("set-role", "change an account's role");
  users_role->add_option("email", users_args.email, "the account's email")->required();
  users_role->add_option("role", users_args.role, "customer, staff, manager or admin")->required();
  auto* users_disable = users->add_subcommand("disable", "disable an account, ending its sessions");
  users_disable->add_option("email", users_args.email, "the account's email")->required();
  auto* users_enable = users->add_subcommand("enable", "enable a disabled account");
  users_enable->add_option("email", users_args.email, "the account's email")->required();
  auto* users_import = users->add_subcommand(
      "import", "import CineLibre users from JSON lines (bcrypt hashes kept as they are)");
  users_import->add_option("file", users_args.file, "the .jsonl file, - for standard input")
      ->required();
  users_opts.attach(*users);

  cinestream::cli::GeminiSimArgs sim;
  std::string sim_log_level = "info";
  auto* sim_cmd = app.add_subcommand(
      "gemini-sim", "run the local Gemini stand-in (real REST protocol, generated world, faults)");
  sim_cmd->add_option("--host", sim.host, "address to listen on (loopback by default)");
  sim_cmd->add_option("--port", sim.port, "port, 0 for any")->check(CLI::Range(0, 65535));
  sim_cmd->add_option("--port-file", sim.port_file, "write the bound port here");
  sim_cmd->add_option("--seed", sim.seed, "world seed: the same seed gives the same world");
  sim_cmd->add_option("--cinemas", sim.cinemas, "cinemas per city")->check(CLI::Range(1, 50));
  sim_cmd->add_option("--movies", sim.movies, "movies per city")->check(CLI::Range(1, 60));
  sim_cmd->add_option("--api-key", sim.api_key, "the only key accepted (default: any)");
  sim_cmd->add_option("--faults", sim.faults_json, "faults as JSON, e.g. {\"rate_429\":0.2}");
  sim_cmd->add_option("--today", sim.today, "the world's today, YYYY-MM-DD (default: clock)");
  sim_cmd->add_flag("--serve-sites", sim.serve_sites,
                    "also serve every cinema's website at <slug>-<city>.localhost:<port>");
  sim_cmd->add_option("--site-kind", sim.site_kind,
                      "every site this kind (jsonld, jsonld_defective, microdata, html_only, slow, "
                      "failing, disallow, huge, redirect_private)");
  sim_cmd
      ->add_option("--sites-structured-share", sim.structured_share,
                   "share of a city's sites publishing schema.org data")
      ->check(CLI::Range(0.0, 1.0));
  sim_cmd->add_option("--site-slow-ms", sim.site_slow_ms, "how long slow sites take per page")
      ->check(CLI::Range(0, 600'000));
  sim_cmd->add_option("--log-level", sim_log_level, "trace, debug, info, warn, error or off");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors exit 2, like invalid settings
  }

  if (sim_cmd->parsed()) {
    cinestream::setup_logging(sim_log_level);
    int status = 0;
    try {
      status = cinestream::cli::gemini_sim(sim);
    } catch (const std::invalid_argument& e) {
      spdlog::critical("configuration error: {}", e.what());
      status = 2;
    }
    cinestream::shutdown_logging();
    return status;
  }
  CommonOptions& opts = serve->parsed() ? serve_opts : users->parsed() ? users_opts : init_opts;
  cinestream::Config config;
  try {
    config = cinestream::load_config(opts.given(), cinestream::process_env(), opts.env_file,
                                     opts.env_file_option->count() > 0);
  } catch (const cinestream::ConfigError& e) {
    std::fprintf(stderr, "cinestream: configuration error: %s\n", e.what());
    return 2;
  }
  cinestream::setup_logging(config.log_level);
  int status = 0;
  try {
    if (users->parsed()) {
      for (auto* sub : users->get_subcommands())
        users_args.action = sub->get_name();
      status = cinestream::cli::users(config, users_args);
    } else {
      status = serve->parsed() ? cinestream::cli::serve(config) : cinestream::cli::init_db(config);
    }
  } catch (const std::invalid_argument& e) {
    spdlog::critical("configuration error: {}", e.what());
    status = 2;
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    status = 1;
  }
  cinestream::shutdown_logging();
  return status;
}
