#pragma once
// Request counters and latency histograms by route and status, in Prometheus text format.
// Each io thread writes its own shard (relaxed atomics, no shared lock on the hot path);
// /metrics sums the shards.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cinestream {

class HttpMetrics {
 public:
  static constexpr std::array<double, 12> kBucketsSeconds{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};
  static constexpr std::array<unsigned, 22> kStatuses{101, 200, 201, 202, 204, 206, 301, 302,
                                                      304, 400, 401, 403, 404, 405, 408, 413,
                                                      426, 429, 431, 500, 503, 0};

  HttpMetrics(std::vector<std::string> route_names, std::size_t shards);

  // `shard`: the calling io thread's index.
  void observe(std::size_t shard, std::size_t route, unsigned status,
               std::chrono::nanoseconds elapsed);
  // Prometheus exposition text for the HTTP series.
  std::string render() const;

 private:
  struct Cell {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
    std::array<std::atomic<std::uint64_t>, kBucketsSeconds.size()> buckets{};
  };
  static std::size_t status_index(unsigned status);
  std::size_t cells_per_shard() const { return routes_.size() * kStatuses.size(); }

  std::vector<std::string> routes_;
  std::size_t shards_;
  std::unique_ptr<Cell[]> cells_;
};

}  // namespace cinestream
