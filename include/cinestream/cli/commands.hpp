#pragma once
// The subcommands of the `cinestream` binary.
#include <cstdint>
#include <string>

#include "cinestream/config/config.hpp"

namespace cinestream::cli {

// Serves HTTP until SIGTERM/SIGINT; returns the process exit status.
int serve(const Config& config);
// Creates the schema and seeds the bundled locations; idempotent.
int init_db(const Config& config);

// `cinestream users create|set-role|disable|enable|import`: operators' account tools.
struct UsersArgs {
  std::string action;  // create, set-role, disable, enable, import
  std::string email;
  std::string display_name;
  std::string role = "customer";
  std::string file;  // import: a JSONL file, "-" for standard input
};
// The password of `create` is read from standard input (one line), never from the command line.
int users(const Config& config, const UsersArgs& args);

struct GeminiSimArgs {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8090;
  std::string port_file;
  std::uint64_t seed = 1;
  int cinemas = 10;
  int movies = 15;
  std::string api_key;       // empty: any key is accepted
  std::string faults_json;   // e.g. {"rate_429":0.2,"latency_ms":3000}
  std::string today;         // YYYY-MM-DD; default: the clock
  bool serve_sites = false;  // the cinemas' websites too, on the same port (by Host)
  std::string site_kind;     // every site this kind (gemini_sim::parse_site_kind)
  double structured_share = 0.5;
  int site_slow_ms = 30'000;
};
// The local Gemini stand-in, until SIGTERM/SIGINT.
int gemini_sim(const GeminiSimArgs& args);

}  // namespace cinestream::cli
