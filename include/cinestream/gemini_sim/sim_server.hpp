#pragma once
// The stand-in on HTTP, on the project's own server stack, on its own thread:
//   POST /v1beta/models/{model}:generateContent          (x-goog-api-key or ?key=)
//   POST /v1beta/models/{model}:streamGenerateContent?alt=sse
//   GET  /posters/{slug}.png                              posters the movies answer points at
//   GET  /sim/truth?city=&from=YYYY-MM-DD&days=N          the ground truth, for recall/precision
//   GET|POST /sim/faults                                  read or change faults at run time
//   GET  /sim/stats                                       calls by task, errors injected, and
//                                                         per site host ("sites")
// With SimOptions::serve_sites, a request whose Host is "<name>.localhost[:port]" is a cinema
// website's (sim_sites.hpp), whatever its path; start() sets the world's websites to this port.
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "cinestream/gemini_sim/sim_service.hpp"

namespace cinestream::gemini_sim {

class SimServer {
 public:
  SimServer(const CityCatalog& catalog, SimOptions options);
  ~SimServer();

  // Binds host:port (0: any) and serves on a background thread; returns the port.
  std::uint16_t start(const std::string& host, std::uint16_t port);
  void stop();
  // Serves on the calling thread until SIGTERM/SIGINT (the CLI).
  int run_until_signal(const std::string& host, std::uint16_t port, const std::string& port_file);

  SimService& service() { return service_; }
  SiteService& sites() { return sites_; }
  std::string base_url() const;

 private:
  struct Impl;
  SimService service_;
  SiteService sites_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace cinestream::gemini_sim
