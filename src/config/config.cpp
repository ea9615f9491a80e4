#include "cinestream/config/config.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "cinestream/config/dotenv.hpp"
#include "cinestream/http/client_limits.hpp"
#include "cinestream/runtime/cpu_layout.hpp"

namespace cinestream {
namespace {

// Where a setting's value came from, for error messages.
struct Source {
  std::string value;
  std::string origin;  // "--port", "environment CINESTREAM_PORT", ".env PORT"
};

struct Setting {
  const char* flag;                    // the setting's name and its --flag
  std::vector<const char*> env_names;  // first found wins
  std::function<void(Config&, const Source&)> apply;
};

[[noreturn]] void invalid(const Source& s, std::string_view why) {
  throw ConfigError(fmt::format("invalid {} = '{}': {}", s.origin, s.value, why));
}

std::uint64_t parse_uint(const Source& s, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const char* b = s.value.data();
  const char* e = b + s.value.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc{} || p != e || s.value.empty() || v < min || v > max) {
    invalid(s, fmt::format("expected a whole number from {} to {}", min, max));
  }
  return v;
}

double parse_price(const Source& s) {
  double v = 0;
  const char* b = s.value.data();
  const char* e = b + s.value.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc{} || p != e || s.value.empty() || v < 0 || v > 1000) {
    invalid(s, "expected a price in US dollars from 0 to 1000");
  }
  return v;
}

bool parse_bool(const Source& s) {
  if (s.value == "1" || s.value == "true" || s.value == "on" || s.value == "yes") return true;
  if (s.value == "0" || s.value == "false" || s.value == "off" || s.value == "no") return false;
  invalid(s, "expected true or false");
}

std::chrono::milliseconds parse_ms(const Source& s) {
  return std::chrono::milliseconds(parse_uint(s, 1, 24ull * 3600 * 1000));
}

std::vector<Setting> settings() {
  return {
      {"host",
       {"CINESTREAM_HOST"},
       [](Config& c, const Source& s) {
         if (s.value.empty()) invalid(s, "expected an address to listen on");
         c.host = s.value;
       }},
      {"port",
       {"CINESTREAM_PORT", "PORT"},
       [](Config& c, const Source& s) {
         c.port = static_cast<std::uint16_t>(parse_uint(s, 0, 65535));
       }},
      {"data-dir",
       {"CINESTREAM_DATA_DIR"},
       [](Config& c, const Source& s) {
         if (s.value.empty()) invalid(s, "expected a directory");
         c.data_dir = s.value;
       }},
      {"web-dir", {"CINESTREAM_WEB_DIR"}, [](Config& c, const Source& s) { c.web_dir = s.value; }},
      {"port-file",
       {"CINESTREAM_PORT_FILE"},
       [](Config& c, const Source& s) { c.port_file = s.value; }},
      {"threads",
       {"CINESTREAM_THREADS"},
       [](Config& c, const Source& s) {
         c.threads = static_cast<unsigned>(parse_uint(s, 0, 256));
       }},
      {"blocking-threads",
       {"CINESTREAM_BLOCKING_THREADS"},
       [](Config& c, const Source& s) {
         c.blocking_threads = static_cast<unsigned>(parse_uint(s, 1, 256));
       }},
      {"blocking-queue",
       {"CINESTREAM_BLOCKING_QUEUE"},
       [](Config& c, const Source& s) { c.blocking_queue = parse_uint(s, 1, 1'000'000); }},
      {"mongo-uri",
       {"MONGO_URI"},
       [](Config& c, const Source& s) {
         if (!s.value.empty() && !s.value.starts_with("mongodb://") &&
             !s.value.starts_with("mongodb+srv://")) {
           invalid(s, "expected a mongodb:// or mongodb+srv:// URI");
         }
         c.mongo_uri = s.value;
       }},
      {"gemini-api-key",
       {"GOOGLE_API_KEY", "GEMINI_API_KEY"},
       [](Config& c, const Source& s) { c.gemini_api_key = s.value; }},
      {"gemini-model",
       {"GEMINI_MODEL"},
       [](Config& c, const Source& s) {
         try {
           c.gemini_model = resolve_gemini_model(s.value);
         } catch (const ConfigError& e) {
           invalid(s, e.what());
         }
       }},
      {"secret-key",
       {"SECRET_KEY"},
       [](Config& c, const Source& s) {
         if (!s.value.empty() && s.value.size() < 16) invalid(s, "use at least 16 characters");
         c.secret_key = s.value;
       }},
      {"jwt-keys",
       {"CINESTREAM_JWT_KEYS"},
       [](Config& c, const Source& s) {
         // Checked in full (lengths, duplicates) when the accounts feature starts.
         if (!s.value.empty() && s.value.find(':') == std::string::npos)
           invalid(s, "expected kid:secret[,kid:secret...]");
         c.jwt_keys = s.value;
       }},
      {"bcrypt-cost",
       {"CINESTREAM_BCRYPT_COST"},
       [](Config& c, const Source& s) { c.bcrypt_cost = static_cast<int>(parse_uint(s, 4, 15)); }},
      {"auth-rate-per-minute",
       {"CINESTREAM_AUTH_RATE_PER_MINUTE"},
       [](Config& c, const Source& s) {
         c.auth_rate_per_minute = static_cast<double>(parse_uint(s, 0, 100'000));
       }},
      {"cpu-threads",
       {"CINESTREAM_CPU_THREADS"},
       [](Config& c, const Source& s) {
         c.cpu_threads = static_cast<unsigned>(parse_uint(s, 1, 64));
       }},
      {"cpu-nice",
       {"CINESTREAM_CPU_NICE"},
       [](Config& c, const Source& s) { c.cpu_nice = static_cast<int>(parse_uint(s, 0, 19)); }},
      {"smtp-url",
       {"SMTP_URL"},
       [](Config& c, const Source& s) {
         if (!s.value.empty() && !s.value.starts_with("smtp://") &&
             !s.value.starts_with("smtps://")) {
           invalid(s, "expected an smtp:// or smtps:// URL");
         }
         c.smtp_url = s.value;
       }},
      {"smtp-user", {"SMTP_USER"}, [](Config& c, const Source& s) { c.smtp_user = s.value; }},
      {"smtp-password",
       {"SMTP_PASSWORD"},
       [](Config& c, const Source& s) { c.smtp_password = s.value; }},
      {"smtp-from",
       {"SMTP_FROM"},
       [](Config& c, const Source& s) {
         if (s.value.find('@') == std::string::npos ||
             s.value.find_first_of("\r\n") != std::string::npos) {
           invalid(s, "expected an address such as CineStream <noreply@example.org>");
         }
         c.smtp_from = s.value;
       }},
      {"smtp-starttls",
       {"SMTP_STARTTLS"},
       [](Config& c, const Source& s) { c.smtp_starttls = parse_bool(s); }},
      {"smtp-ca-file",
       {"SMTP_CA_FILE"},
       [](Config& c, const Source& s) { c.smtp_ca_file = s.value; }},
      {"smtp-timeout-ms",
       {"SMTP_TIMEOUT_MS"},
       [](Config& c, const Source& s) { c.smtp_timeout = parse_ms(s); }},
      {"smtp-max-attempts",
       {"SMTP_MAX_ATTEMPTS"},
       [](Config& c, const Source& s) {
         c.smtp_max_attempts = static_cast<int>(parse_uint(s, 1, 100));
       }},
      {"header-timeout-ms",
       {"CINESTREAM_HEADER_TIMEOUT_MS"},
       [](Config& c, const Source& s) { c.header_timeout = parse_ms(s); }},
      {"idle-timeout-ms",
       {"CINESTREAM_IDLE_TIMEOUT_MS"},
       [](Config& c, const Source& s) { c.idle_timeout = parse_ms(s); }},
      {"write-timeout-ms",
       {"CINESTREAM_WRITE_TIMEOUT_MS"},
       [](Config& c, const Source& s) { c.write_timeout = parse_ms(s); }},
      {"shutdown-timeout-ms",
       {"CINESTREAM_SHUTDOWN_TIMEOUT_MS"},
       [](Config& c, const Source& s) { c.shutdown_timeout = parse_ms(s); }},
      {"header-limit",
       {"CINESTREAM_HEADER_LIMIT"},
       [](Config& c, const Source& s) { c.header_limit = parse_uint(s, 1024, 1 << 20); }},
      {"body-limit",
       {"CINESTREAM_BODY_LIMIT"},
       [](Config& c, const Source& s) { c.body_limit = parse_uint(s, 0, 64 << 20); }},
      {"api-rate-per-second",
       {"CINESTREAM_API_RATE_PER_SECOND"},
       [](Config& c, const Source& s) {
         c.api_rate_per_second = static_cast<double>(parse_uint(s, 0, 1'000'000));
       }},
      {"api-burst",
       {"CINESTREAM_API_BURST"},
       [](Config& c, const Source& s) {
         c.api_burst = static_cast<double>(parse_uint(s, 1, 1'000'000));
       }},
      {"max-connections-per-client",
       {"CINESTREAM_MAX_CONNECTIONS_PER_CLIENT"},
       [](Config& c, const Source& s) {
         c.max_connections_per_client = static_cast<std::size_t>(parse_uint(s, 0, 1'000'000));
       }},
      {"trusted-proxies",
       {"CINESTREAM_TRUSTED_PROXIES"},
       [](Config& c, const Source& s) {
         try {
           (void)http::parse_address_blocks(s.value);
         } catch (const std::invalid_argument& e) {
           invalid(s, e.what());
         }
         c.trusted_proxies = s.value;
       }},
      {"refresh-interval-ms",
       {"CINESTREAM_REFRESH_INTERVAL_MS"},
       [](Config& c, const Source& s) { c.refresh_interval = parse_ms(s); }},
      {"visit-flush-ms",
       {"CINESTREAM_VISIT_FLUSH_MS"},
       [](Config& c, const Source& s) { c.visit_flush_interval = parse_ms(s); }},
      {"catalog-link-ms",
       {"CINESTREAM_CATALOG_LINK_MS"},
       [](Config& c, const Source& s) { c.catalog_link_interval = parse_ms(s); }},
      {"notify-interval-ms",
       {"CINESTREAM_NOTIFY_INTERVAL_MS"},
       [](Config& c, const Source& s) { c.notify_interval = parse_ms(s); }},
      {"recommend-refresh-ms",
       {"CINESTREAM_RECOMMEND_REFRESH_MS"},
       [](Config& c, const Source& s) { c.recommend_refresh_interval = parse_ms(s); }},
      {"search-refresh-ms",
       {"CINESTREAM_SEARCH_REFRESH_MS"},
       [](Config& c, const Source& s) { c.search_refresh_interval = parse_ms(s); }},
      {"search-embeddings",
       {"CINESTREAM_SEARCH_EMBEDDINGS"},
       [](Config& c, const Source& s) {
         if (s.value != "auto" && s.value != "offline" && s.value != "gemini")
           invalid(s, "expected auto, offline or gemini");
         c.search_embeddings = s.value;
       }},
      {"digest-hour",
       {"CINESTREAM_DIGEST_HOUR"},
       [](Config& c, const Source& s) { c.digest_hour = static_cast<int>(parse_uint(s, 0, 23)); }},
      {"tmdb-api-key",
       {"TMDB_API_KEY"},
       [](Config& c, const Source& s) { c.tmdb_api_key = s.value; }},
      {"tmdb-base-url",
       {"CINESTREAM_TMDB_BASE_URL"},
       [](Config& c, const Source& s) {
         if (!s.value.starts_with("https://") && !s.value.starts_with("http://")) {
           invalid(s, "expected an http:// or https:// URL");
         }
         c.tmdb_base_url = s.value;
       }},
      {"enrich-budget-per-hour",
       {"CINESTREAM_ENRICH_BUDGET_PER_HOUR"},
       [](Config& c, const Source& s) {
         c.enrich_budget_per_hour = static_cast<int>(parse_uint(s, 0, 1'000'000));
       }},
      {"log-level",
       {"CINESTREAM_LOG_LEVEL"},
       [](Config& c, const Source& s) {
         static const std::vector<std::string> levels{"trace", "debug", "info",
                                                      "warn",  "error", "off"};
         if (std::find(levels.begin(), levels.end(), s.value) == levels.end()) {
           invalid(s, "expected trace, debug, info, warn, error or off");
         }
         c.log_level = s.value;
       }},
      {"access-log",
       {"CINESTREAM_ACCESS_LOG"},
       [](Config& c, const Source& s) { c.access_log = parse_bool(s); }},
      {"access-log-file",
       {"CINESTREAM_ACCESS_LOG_FILE"},
       [](Config& c, const Source& s) { c.access_log_file = s.value; }},
      {"access-log-format",
       {"CINESTREAM_ACCESS_LOG_FORMAT"},
       [](Config& c, const Source& s) {
         if (s.value != "logfmt" && s.value != "json") invalid(s, "expected logfmt or json");
         c.access_log_format = s.value;
       }},
      {"gemini-base-url",
       {"GEMINI_BASE_URL"},
       [](Config& c, const Source& s) {
         if (!s.value.starts_with("https://") && !s.value.starts_with("http://")) {
           invalid(s, "expected an http:// or https:// URL");
         }
         c.gemini_base_url = s.value;
       }},
      {"gemini-max-in-flight",
       {"GEMINI_MAX_IN_FLIGHT"},
       [](Config& c, const Source& s) { c.gemini_max_in_flight = parse_uint(s, 1, 1024); }},
      {"gemini-timeout-ms",
       {"GEMINI_TIMEOUT_MS"},
       [](Config& c, const Source& s) { c.gemini_timeout = parse_ms(s); }},
      {"gemini-price-input",
       {"GEMINI_PRICE_INPUT_PER_M"},
       [](Config& c, const Source& s) { c.gemini_price_input_per_million = parse_price(s); }},
      {"gemini-price-output",
       {"GEMINI_PRICE_OUTPUT_PER_M"},
       [](Config& c, const Source& s) { c.gemini_price_output_per_million = parse_price(s); }},
      {"gemini-price-grounded",
       {"GEMINI_PRICE_PER_GROUNDED_CALL"},
       [](Config& c, const Source& s) { c.gemini_price_per_grounded_call = parse_price(s); }},
      {"demo", {"CINESTREAM_DEMO"}, [](Config& c, const Source& s) { c.demo = parse_bool(s); }},
      {"demo-seed",
       {"CINESTREAM_DEMO_SEED"},
       [](Config& c, const Source& s) { c.demo_seed = parse_uint(s, 0, ~0ull); }},
      {"demo-sites",
       {"CINESTREAM_DEMO_SITES"},
       [](Config& c, const Source& s) { c.demo_sites = parse_bool(s); }},
      {"demo-faults",
       {"CINESTREAM_DEMO_FAULTS"},
       [](Config& c, const Source& s) {
         if (!s.value.empty() && (s.value.front() != '{' || s.value.back() != '}')) {
           invalid(s, "expected a JSON object such as {\"latency_ms\": 3000}");
         }
         c.demo_faults = s.value;
       }},
      {"scrape-plan",
       {"CINESTREAM_SCRAPE_PLAN"},
       [](Config& c, const Source& s) {
         if (s.value != "by_day" && s.value != "per_movie_day") {
           invalid(s, "expected by_day or per_movie_day");
         }
         c.scrape_plan = s.value;
       }},
      {"scrape-lease-ms",
       {"CINESTREAM_SCRAPE_LEASE_MS"},
       [](Config& c, const Source& s) { c.scrape_lease = parse_ms(s); }},
      {"scrape-watchdog-ms",
       {"CINESTREAM_SCRAPE_WATCHDOG_MS"},
       [](Config& c, const Source& s) { c.scrape_watchdog = parse_ms(s); }},
      {"scrape-max-age-ms",
       {"CINESTREAM_SCRAPE_MAX_AGE_MS"},
       [](Config& c, const Source& s) {
         c.scrape_max_age =
             std::chrono::milliseconds(parse_uint(s, 1000, 365ull * 24 * 3600 * 1000));
       }},
      {"scrape-rate-per-minute",
       {"CINESTREAM_SCRAPE_RATE_PER_MINUTE"},
       [](Config& c, const Source& s) {
         c.scrape_rate_per_minute = static_cast<double>(parse_uint(s, 1, 100'000));
       }},
      {"budget-grounded-calls",
       {"CINESTREAM_BUDGET_GROUNDED_CALLS"},
       [](Config& c, const Source& s) {
         c.budget_grounded_calls = static_cast<std::int64_t>(parse_uint(s, 0, 10'000'000));
       }},
      {"budget-usd",
       {"CINESTREAM_BUDGET_USD"},
       [](Config& c, const Source& s) { c.budget_usd = parse_price(s); }},
      {"workers",
       {"CINESTREAM_WORKERS"},
       [](Config& c, const Source& s) {
         c.workers = static_cast<unsigned>(parse_uint(s, 0, 256));
       }},
      {"cpus",
       {"CINESTREAM_CPUS"},
       [](Config& c, const Source& s) {
         try {
           if (parse_cpu_list(s.value).empty()) invalid(s, "expected CPUs such as 6-13 or 0,2,4");
         } catch (const std::invalid_argument& e) {
           invalid(s, e.what());
         }
         c.cpus = s.value;
       }},
      {"poster-allow-private",
       {"CINESTREAM_POSTER_ALLOW_PRIVATE"},
       [](Config& c, const Source& s) { c.poster_allow_private = parse_bool(s); }},
      {"poster-max-bytes",
       {"CINESTREAM_POSTER_MAX_BYTES"},
       [](Config& c, const Source& s) { c.poster_max_bytes = parse_uint(s, 1024, 64ull << 20); }},
      {"read-sites",
       {"CINESTREAM_READ_SITES"},
       [](Config& c, const Source& s) { c.read_sites = parse_bool(s); }},
      {"site-delay-ms",
       {"CINESTREAM_SITE_DELAY_MS"},
       [](Config& c, const Source& s) { c.site_delay = parse_ms(s); }},
      {"site-allow-private",
       {"CINESTREAM_SITE_ALLOW_PRIVATE"},
       [](Config& c, const Source& s) { c.site_allow_private = parse_bool(s); }},
      {"site-max-pages",
       {"CINESTREAM_SITE_MAX_PAGES"},
       [](Config& c, const Source& s) {
         c.site_max_pages = static_cast<int>(parse_uint(s, 1, 200));
       }},
      {"public-origin",
       {"CINESTREAM_PUBLIC_ORIGIN"},
       [](Config& c, const Source& s) {
         auto v = std::string_view(s.value);
         auto rest = v.starts_with("https://")  ? v.substr(8)
                     : v.starts_with("http://") ? v.substr(7)
                                                : std::string_view{};
         if (!v.empty() &&
             (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos)) {
           invalid(s, "expected an origin like https://cinema.example (no path)");
         }
         c.public_origin = s.value;
       }},
      {"donation-url",
       {"CINESTREAM_DONATION_URL", "DONATION_URL"},
       [](Config& c, const Source& s) {
         if (!s.value.empty() && !s.value.starts_with("https://")) {
           invalid(s, "expected an https:// URL");
         }
         c.donation_url = s.value;
       }},
  };
}

std::map<std::string, std::string> read_env_file(const std::string& path, bool must_exist) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (must_exist) throw ConfigError(fmt::format("--env-file: cannot read '{}'", path));
    return {};
  }
  // The file holds API keys and the session secret: refuse it when other users can read it.
  if (st.st_mode & S_IROTH) {
    throw ConfigError(
        fmt::format("--env-file: '{}' is readable by every user (mode {:o}); run: chmod 600 {}",
                    path, st.st_mode & 0777, path));
  }
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("--env-file: cannot read '{}'", path));
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    return parse_dotenv(buf.str());
  } catch (const std::invalid_argument& e) {
    throw ConfigError(fmt::format("--env-file '{}': {}", path, e.what()));
  }
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

std::string resolve_gemini_model(const std::string& value) {
  if (value.empty() || value == "flash") return "gemini-2.5-flash";
  if (value == "pro") return "gemini-2.5-pro";
  static const std::regex full(R"(^(models/)?gemini-[a-z0-9][a-z0-9.\-]{0,62}$)");
  if (!std::regex_match(value, full)) {
    throw ConfigError("expected flash, pro or a model name such as gemini-2.5-flash");
  }
  return value.starts_with("models/") ? value.substr(7) : value;
}

Config load_config(const FlagValues& flags, const EnvLookup& env, const std::string& env_file,
                   bool env_file_explicit) {
  auto dotenv = read_env_file(env_file, env_file_explicit);
  const auto table = settings();
  for (const auto& flag : flags) {
    // Not a structured binding: clang before 16 cannot capture one in a lambda (fuzz build).
    const auto& name = flag.first;
    bool known =
        std::any_of(table.begin(), table.end(), [&](const Setting& st) { return name == st.flag; });
    if (!known) throw ConfigError(fmt::format("--{}: no such setting", name));
  }
  Config config;
  for (const auto& setting : table) {
    std::optional<Source> source;
    if (auto it = flags.find(setting.flag); it != flags.end()) {
      source = Source{it->second, fmt::format("--{}", setting.flag)};
    }
    for (const char* name : setting.env_names) {
      if (source) break;
      if (auto v = env(name)) source = Source{*v, fmt::format("environment {}", name)};
    }
    for (const char* name : setting.env_names) {
      if (source) break;
      if (auto it = dotenv.find(name); it != dotenv.end()) {
        source = Source{it->second, fmt::format("{} {}", env_file, name)};
      }
    }
    if (source) setting.apply(config, *source);
  }
  // Without a key there is nothing real to call: serve simulated data, and say so.
  if (config.gemini_api_key.empty() && !flags.contains("demo") && !env("CINESTREAM_DEMO") &&
      !dotenv.contains("CINESTREAM_DEMO")) {
    config.demo = true;
  }
  return config;
}

}  // namespace cinestream
