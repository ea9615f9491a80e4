#pragma once
// The local TMDB stand-in on HTTP (the project's own server stack, on its own thread), answering
// with TMDB v3's shapes and errors:
//   GET /3/search/movie?query=&year=&primary_release_year=&language=&page=
//   GET /3/movie/{id}?language=&append_to_response=translations,external_ids,release_dates
//   GET /3/configuration
//   GET /t/p/{size}/{file}         posters (PNG), no credential needed (as image.tmdb.org)
//   GET|POST /sim/faults           read or change the faults at run time (JSON, merged)
//   GET /sim/stats                 calls and errors injected
// The credential is ?api_key= (v3) or "Authorization: Bearer" (v4); a wrong or missing one gets
// 401 {"success":false,"status_code":7,...}, an unknown film 404 with status_code 34.
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cinestream/tmdb_sim/world.hpp"

namespace cinestream::tmdb_sim {

// Rates are probabilities per API call (posters are never faulted); bursts hit the next N calls
// (in this order: 429, 503, drop, malformed, stall) and then clear, for tests that need certainty.
struct Faults {
  std::chrono::milliseconds latency{0};
  double rate_429 = 0;
  int burst_429 = 0;
  int retry_after_s = 1;  // Retry-After on 429s
  double rate_503 = 0;
  int burst_503 = 0;
  double drop_rate = 0;  // the connection closes halfway through the answer
  int burst_drop = 0;
  double malformed_rate = 0;  // 200 with a body that is not JSON
  int burst_malformed = 0;
  double stall_rate = 0;  // the answer waits `stall` first
  int burst_stall = 0;
  std::chrono::milliseconds stall{60'000};
};
Faults parse_faults(const boost::json::object& o, Faults base = {});
boost::json::object faults_json(const Faults& f);

struct SimOptions {
  std::string api_key;     // v3 key accepted; empty: any non-empty key
  std::string read_token;  // v4 bearer token accepted; empty: any non-empty token
  Faults faults;
};

struct SimStats {
  std::int64_t calls = 0, errors_injected = 0, searches = 0, details = 0, configurations = 0,
               posters = 0;
};

class SimServer {
 public:
  SimServer(World world, SimOptions options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds host:port (0: any) and serves on a background thread; returns the port.
  std::uint16_t start(const std::string& host, std::uint16_t port);
  void stop();

  // "http://127.0.0.1:PORT/3": what a client's base_url is set to.
  std::string base_url() const;
  const World& world() const { return world_; }
  Faults faults() const;
  void set_faults(const Faults& f);
  SimStats stats() const;

  struct Impl;

 private:
  World world_;
  SimOptions options_;
  mutable std::mutex mutex_;  // guards faults_ and stats_
  Faults faults_;
  SimStats stats_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace cinestream::tmdb_sim
