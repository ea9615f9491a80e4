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

  unsigned threads = 0;  // io_context threads; 0 = one per allowed CPU
  unsigned blocking_threads = 4;
  std::size_t blocking_queue = 1024;

  std::string mongo_uri;
  std::string gemini_api_key;
  std::string gemini_model = "gemini-2.5-flash";
  std::string secret_key;

  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
  std::chrono::milliseconds refresh_interval{500};  // how often other processes' changes are seen
  std::chrono::milliseconds visit_flush_interval{5'000};

  std::string log_level = "info";
  bool access_log = true;
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
