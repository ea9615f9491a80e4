#pragma once
// Settings, each from (in order of precedence) a command-line flag, the environment, the `.env`
// file, or its default. Invalid settings raise ConfigError naming the setting; main exits 2.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace cinestream {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string data_dir = "data";
  std::string web_dir;    // empty: found next to the binary or in the source tree
  std::string port_file;  // when set, the bound port is written there (tests, port 0)

  unsigned threads = 0;  // io_context threads per worker; 0 = one per CPU of its group
  unsigned workers = 0;  // worker processes; 0 = one per core group, 1 = no supervisor
  std::string cpus;      // CPUs for the workers ("6-13"); empty: detected (E-cores on hybrid)
  unsigned blocking_threads = 4;
  std::size_t blocking_queue = 1024;

  std::string mongo_uri;
  std::string gemini_api_key;
  std::string gemini_model = "gemini-2.5-flash";
  std::string gemini_base_url = "https://generativelanguage.googleapis.com";
  std::size_t gemini_max_in_flight = 8;              // calls in flight, for the whole process
  std::chrono::milliseconds gemini_timeout{90'000};  // per attempt
  // Price overrides in US dollars (negative: the model's defaults from the notes).
  double gemini_price_input_per_million = -1;
  double gemini_price_output_per_million = -1;
  double gemini_price_per_grounded_call = -1;
  // Demo mode: a local Gemini stand-in runs inside the process and the data says it is simulated.
  // On by default when no API key is configured.
  bool demo = false;
  std::uint64_t demo_seed = 1;
  // The demo's stand-in also serves its cinemas' websites (on *.localhost), and scrapes read them.
  bool demo_sites = false;
  std::string demo_faults;  // JSON for the stand-in, e.g. {"latency_ms":3000,"rate_429":0.1}

  // Scraping.
  std::string scrape_plan = "by_day";  // or per_movie_day (the original's)
  std::chrono::milliseconds scrape_lease{300'000};
  std::chrono::milliseconds scrape_watchdog{15'000};
  std::chrono::milliseconds scrape_max_age{3LL * 24 * 3600 * 1000};
  double scrape_rate_per_minute = 6;
  std::int64_t budget_grounded_calls = 1500;  // per UTC day, all processes
  double budget_usd = 25;
  // Posters: private/loopback/link-local addresses are refused unless allowed (on in demo mode).
  bool poster_allow_private = false;
  std::size_t poster_max_bytes = 5 * 1024 * 1024;
  // Cinemas' own websites read before the model is asked: on; the pause between two requests
  // to one site (robots.txt's Crawl-delay wins when longer); pages read per site.
  bool read_sites = true;
  std::chrono::milliseconds site_delay{1'000};
  int site_max_pages = 20;
  bool site_allow_private = false;  // sites on private/loopback addresses (a private stand-in)
  std::string secret_key;
  // Access-token keys "kid:secret[,kid:secret...]" (the first signs); empty: derived from
  // secret_key. Rotate by putting a new key first and dropping the old one 15 minutes later.
  std::string jwt_keys;
  int bcrypt_cost = 12;
  unsigned cpu_threads = 1;
  int cpu_nice = 19;                 // the cpu pool yields to the event loops
  double auth_rate_per_minute = 30;  // per client, each anonymous /api/auth route; 0 = no limit  //
                                     // the cpu pool: password hashing and other heavy work
  std::string donation_url;          // shown on the page when set
  // Where visitors' pages come from ("https://cinema.example"): unsafe API requests with another
  // Origin/Referer are refused. Empty: the origin the request's Host names.
  std::string public_origin;

  // Email (the mail module's outbox worker). No SMTP URL: messages stay queued, none is sent.
  std::string smtp_url;  // smtp://host:port (STARTTLS) or smtps://host:port
  std::string smtp_user;
  std::string smtp_password;  // better from the environment (SMTP_PASSWORD) than a flag
  std::string smtp_from = "CineStream <noreply@localhost>";
  bool smtp_starttls = true;  // refuse clear text on smtp://
  std::string smtp_ca_file;   // empty: the system's CA store
  std::chrono::milliseconds smtp_timeout{30'000};
  int smtp_max_attempts = 8;

  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
  // Abuse limits per client address (behind a trusted proxy: its X-Real-IP). No proxy is trusted
  // unless configured: any local process could otherwise name itself a new client per request.
  double api_rate_per_second = 50;  // 0 = off
  double api_burst = 200;
  std::size_t max_connections_per_client = 256;  // 0 = off
  std::string trusted_proxies;
  std::chrono::milliseconds refresh_interval{500};  // how often other processes' changes are seen
  std::chrono::milliseconds visit_flush_interval{5'000};
  // How often worker 0 links newly scraped city movies to catalogue films.
  std::chrono::milliseconds catalog_link_interval{5'000};
  // How often each process's notifier looks for films arriving in cities (module notifications),
  // and the UTC hour from which the day's notification digests are emailed.
  std::chrono::milliseconds notify_interval{5'000};
  int digest_hour = 8;
  // How often each process rebuilds its recommendation model from everyone's ratings (a
  // visitor's own new rating counts at once; others' within this interval).
  std::chrono::milliseconds recommend_refresh_interval{30'000};
  // How often each process rebuilds its search index from the catalogue.
  std::chrono::milliseconds search_refresh_interval{30'000};
  // Where search vectors come from: "gemini" (the embedding API, with the Gemini key and base
  // URL), "offline" (computed locally), or "auto": Gemini when a key is set outside demo mode.
  std::string search_embeddings = "auto";
  // Film metadata: TMDB when a credential is set (a v3 key or a v4 read token), else one Gemini
  // call per film; calls to it allowed per hour (0: no enrichment).
  std::string tmdb_api_key;
  std::string tmdb_base_url = "https://api.themoviedb.org/3";
  int enrich_budget_per_hour = 600;

  std::string log_level = "info";
  bool access_log = true;
  std::string access_log_file;               // appended to, reopened on SIGHUP; empty: stderr
  std::string access_log_format = "logfmt";  // or "json" (one JSON object per line)
};

// Raw values given on the command line, by setting name (e.g. "port").
using FlagValues = std::map<std::string, std::string>;
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Reads the process environment.
EnvLookup process_env();

// `env_file`: the .env path; a missing default `.env` is fine, a missing explicit one is an error.
Config load_config(const FlagValues& flags, const EnvLookup& env, const std::string& env_file,
                   bool env_file_explicit);

// "flash" -> "gemini-2.5-flash", "pro" -> "gemini-2.5-pro"; full names pass if well-formed.
std::string resolve_gemini_model(const std::string& value);

}  // namespace cinestream
