#pragma once
// Shared pieces of the fault suite: its demo servers, a loopback read load that records every
// status and latency, the scraped data of a city as a comparable set, and process memory.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::fault {

using namespace std::chrono_literals;
namespace json = boost::json;

using testing::eventually;

// A client retries a request whose connection was reset: right after a worker is killed, a
// connection can still land in its dying listener's queue.
template <class F>
auto with_retries(F fn) {
  for (int attempt = 0;; ++attempt) {
    try {
      return fn();
    } catch (const std::exception&) {
      if (attempt == 5) throw;
      std::this_thread::sleep_for(50ms);
    }
  }
}

inline testing::HttpResult get(std::uint16_t port, const std::string& target) {
  return with_retries([&] { return testing::http_get(port, target); });
}

// A demo server for a fault test: the stand-in's world `seed` with `faults` (JSON), no scrape rate
// limit, the cache refreshed every 100 ms, quiet logs, and `more` flags.
inline std::vector<std::string> demo(int seed, std::string faults = "{}",
                                     std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--demo",
                                   "--demo-seed",
                                   std::to_string(seed),
                                   "--demo-faults",
                                   std::move(faults),
                                   "--scrape-rate-per-minute",
                                   "1000",
                                   "--refresh-interval-ms",
                                   "100",
                                   "--log-level",
                                   "error"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The value of a metric (testing::metric), retried like get().
inline std::int64_t read_metric(std::uint16_t port, const std::string& name) {
  return with_retries([&] { return testing::metric(port, name); });
}

struct LoadStats {
  std::map<unsigned, std::int64_t> statuses;
  std::int64_t connection_errors = 0;  // connect/read failures (a killed worker's connections)
  std::vector<std::chrono::steady_clock::time_point> connection_error_times;
  std::map<std::string, std::int64_t> connection_error_kinds;  // by the client's error message
  std::vector<double> latency_ms;

  std::int64_t answered() const {
    std::int64_t n = 0;
    for (const auto& [s, c] : statuses)
      n += c;
    return n;
  }
  std::int64_t server_errors() const {
    std::int64_t n = 0;
    for (const auto& [s, c] : statuses)
      if (s >= 500) n += c;
    return n;
  }
  double percentile(double q) {
    if (latency_ms.empty()) return 0;
    std::sort(latency_ms.begin(), latency_ms.end());
    auto i = static_cast<std::size_t>(q * static_cast<double>(latency_ms.size() - 1));
    return latency_ms[i];
  }
  // fmt rather than `"literal" + std::to_string(...)`: GCC 12 at -O3 inlines that operator+ into
  // a memcpy whose bound it misjudges and reports -Wstringop-overflow (a false positive).
  std::string summary() {
    std::string s = fmt::format("answered={}", answered());
    for (const auto& [st, c] : statuses)
      fmt::format_to(std::back_inserter(s), " {}:{}", st, c);
    fmt::format_to(std::back_inserter(s), " connection_errors={} p50_ms={} p99_ms={}",
                   connection_errors, percentile(0.5), percentile(0.99));
    for (const auto& [kind, n] : connection_error_kinds)
      fmt::format_to(std::back_inserter(s), " [{}: {}]", kind, n);
    return s;
  }
};

// Keep-alive readers on loopback cycling through `targets` until stop() or `max_requests` in all;
// a failed connection is counted and replaced.
class ReadLoad {
 public:
  ReadLoad(std::uint16_t port, std::vector<std::string> targets, int connections,
           std::int64_t max_requests = 200'000)
      : targets_(std::move(targets)), max_requests_(max_requests) {
    for (int i = 0; i < connections; ++i) {
      threads_.emplace_back([this, port, i] { run(port, i); });
    }
  }
  ~ReadLoad() { stop(); }

  void stop() {
    stop_ = true;
    finish();
  }
  // Waits until `max_requests` have been made.
  void finish() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  LoadStats stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  std::int64_t sent() const { return sent_.load(); }

 private:
  void run(std::uint16_t port, int index) {
    LoadStats local;
    std::unique_ptr<testing::HttpClient> client;
    std::size_t next = static_cast<std::size_t>(index);
    while (!stop_ && sent_.fetch_add(1) < max_requests_) {
      const auto& target = targets_[next++ % targets_.size()];
      try {
        if (!client) client = std::make_unique<testing::HttpClient>(port);
        auto t0 = std::chrono::steady_clock::now();
        auto res = client->get(target, {{"Accept-Encoding", "gzip"}});
        local.latency_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        ++local.statuses[res.status];
        if (res.header("connection") == "close") client.reset();
      } catch (const std::exception& e) {
        ++local.connection_errors;
        ++local.connection_error_kinds[e.what()];
        local.connection_error_times.push_back(std::chrono::steady_clock::now());
        client.reset();
        std::this_thread::sleep_for(5ms);
      }
    }
    std::lock_guard lock(mutex_);
    for (const auto& [s, c] : local.statuses)
      stats_.statuses[s] += c;
    stats_.connection_errors += local.connection_errors;
    for (const auto& [kind, n] : local.connection_error_kinds)
      stats_.connection_error_kinds[kind] += n;
    stats_.connection_error_times.insert(stats_.connection_error_times.end(),
                                         local.connection_error_times.begin(),
                                         local.connection_error_times.end());
    stats_.latency_ms.insert(stats_.latency_ms.end(), local.latency_ms.begin(),
                             local.latency_ms.end());
  }

  std::vector<std::string> targets_;
  std::int64_t max_requests_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> sent_{0};
  std::mutex mutex_;
  LoadStats stats_;
  std::vector<std::thread> threads_;
};

// Every showtime of a city as (movie, cinema, start, format, language), and how many rows the
// API listed: equal sizes mean no duplicates.
struct CityData {
  std::set<std::string> showtimes;
  std::size_t rows = 0;
};

inline CityData city_data(std::uint16_t port, const std::string& city) {
  CityData out;
  auto res = get(port, "/api/movies?city=" + city);
  if (res.status != 200) return out;
  auto doc = json::parse(res.body).as_object();
  for (const auto& m : doc.at("movies").as_array()) {
    std::string title(m.at("title").as_string());
    for (const auto& t : m.at("theaters").as_array()) {
      for (const auto& s : t.at("showtimes").as_array()) {
        const auto& o = s.as_object();
        out.showtimes.insert(title + "|" + std::string(t.at("name").as_string()) + "|" +
                             std::string(o.at("start_time").as_string()) + "|" +
                             std::string(o.at("format").as_string()) + "|" +
                             std::string(o.at("language").as_string()));
        ++out.rows;
      }
    }
  }
  return out;
}

// The showtimes strictly inside the window: a run moments later may have dropped one that has
// just started today, or reached one more day after midnight.
inline std::set<std::string> inner_days(const std::set<std::string>& showtimes) {
  std::set<std::string> days;
  for (const auto& s : showtimes) {
    auto at = s.find('|', s.find('|') + 1);
    days.insert(s.substr(at + 1, 10));
  }
  std::set<std::string> out;
  if (days.size() < 3) return out;
  for (const auto& s : showtimes) {
    auto at = s.find('|', s.find('|') + 1);
    auto day = s.substr(at + 1, 10);
    if (day != *days.begin() && day != *days.rbegin()) out.insert(s);
  }
  return out;
}

// Children of a process (the supervisor's workers).
inline std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  pid_t child = 0;
  while (in >> child)
    out.push_back(child);
  return out;
}

// What one set has that the other lacks, for a readable failure.
inline std::string difference(const std::set<std::string>& got, const std::set<std::string>& want) {
  std::string out;
  int shown = 0;
  for (const auto& s : want)
    if (!got.contains(s) && shown++ < 10) out += "\n  missing: " + s;
  for (const auto& s : got)
    if (!want.contains(s) && shown++ < 20) out += "\n  extra:   " + s;
  return out;
}

// The status of a city's scrape ("fresh", "processing", ...), or why there is none.
inline std::string scrape_state(std::uint16_t port, const std::string& city) {
  try {
    auto st = with_retries([&] { return testing::scrape_status(port, city); });
    return std::string(st.at("status").as_string());
  } catch (const std::exception& e) {
    return std::string("unreachable: ") + e.what();
  }
}

// How many days of the city's current scrape are stored.
inline std::int64_t days_covered(std::uint16_t port, const std::string& city) {
  return with_retries([&] { return testing::scrape_status(port, city); })
      .at("days_covered")
      .as_int64();
}

// Asks for a scrape of `city`; the HTTP status of the answer.
inline unsigned start_scrape(std::uint16_t port, const std::string& city) {
  return with_retries([&] { return testing::post_scrape(port, city).status; });
}

// Scrapes until the city is fresh (each round only asks for what is still missing), at most
// `rounds` times. Returns the last status.
inline std::string scrape_until_fresh(std::uint16_t port, const std::string& city, int rounds,
                                      std::chrono::milliseconds per_round = 60s) {
  std::string status;
  for (int i = 0; i < rounds; ++i) {
    start_scrape(port, city);
    eventually(
        [&] {
          status = scrape_state(port, city);
          return status != "processing";
        },
        per_round);
    if (status == "fresh") break;
  }
  return status;
}

// What a fault-free run of the world `seed` scrapes for each of `cities`.
inline std::map<std::string, CityData> reference(int seed, const std::vector<std::string>& cities) {
  testing::TempDir dir;
  testing::ServerProcess s(dir.str(), demo(seed));
  std::map<std::string, CityData> out;
  for (const auto& c : cities) {
    EXPECT_EQ(scrape_until_fresh(s.port(), c, 1), "fresh");
    out[c] = city_data(s.port(), c);
  }
  return out;
}

// Resident memory of a process in KiB (VmRSS).
inline long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace cinestream::fault
