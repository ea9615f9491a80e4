#pragma once
// Talking to a real `cinestream serve --demo` (server_process.hpp) about scrapes: the arguments of
// a demo server, starting a scrape, its status, and a value from /metrics.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/eventually.hpp"
#include "support/server_process.hpp"

namespace cinestream::testing {

// A demo server (the Gemini stand-in in-process) with the stand-in's world `seed` and `faults`
// (JSON, e.g. {"latency_ms": 150}), fast cache refresh (`refresh_interval_ms`; nullopt leaves the
// server's default) and no scrape rate limit in the way.
inline std::vector<std::string> demo_args(std::string faults = "{}", int seed = 9,
                                          std::optional<int> refresh_interval_ms = 50) {
  std::vector<std::string> args{"--demo", "--demo-seed", std::to_string(seed), "--demo-faults",
                                std::move(faults)};
  if (refresh_interval_ms)
    args.insert(args.end(), {"--refresh-interval-ms", std::to_string(*refresh_interval_ms)});
  args.insert(args.end(), {"--scrape-rate-per-minute", "1000", "--log-level", "warn"});
  return args;
}

inline HttpResult post_scrape(std::uint16_t port, const std::string& city) {
  HttpClient c(port);
  return c.request(boost::beast::http::verb::post, "/api/scrape",
                   {{"Content-Type", "application/json"}},
                   boost::json::serialize(boost::json::object{{"city", city}}));
}

inline boost::json::object scrape_status(std::uint16_t port, const std::string& city) {
  return boost::json::parse(http_get(port, "/api/scrape/status/" + city).body).as_object();
}

// Scrapes the city, waits until it is fresh and every movie of it is linked to a catalogue film
// (for a server run with a short --catalog-link-ms), and returns its movies; empty on a timeout.
inline boost::json::array scrape_and_link(std::uint16_t port, const std::string& city) {
  using namespace std::chrono_literals;
  if (post_scrape(port, city).status != 202) return {};
  auto fresh = [&] { return scrape_status(port, city)["status"].as_string() == "fresh"; };
  if (!eventually(fresh, 120s)) return {};
  boost::json::array movies;
  auto linked = [&] {
    movies = boost::json::parse(http_get(port, "/api/movies?city=" + city).body)
                 .as_object()["movies"]
                 .as_array();
    if (movies.empty()) return false;
    for (const auto& m : movies)
      if (m.as_object().at("film_id").is_null()) return false;
    return true;
  };
  if (!eventually(linked, 30s)) return {};
  return movies;
}

// The value of an unlabelled metric (or the exact `name{labels}` given), -1 when absent.
inline std::int64_t metric(std::uint16_t port, const std::string& name) {
  auto body = http_get(port, "/metrics").body;
  auto key = "\n" + name + " ";
  auto at = body.find(key);
  return at == std::string::npos ? -1 : std::stoll(body.substr(at + key.size()));
}

}  // namespace cinestream::testing
