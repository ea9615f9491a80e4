#include "cinestream/observability/metrics.hpp"

#include <fmt/format.h>

namespace cinestream {

HttpMetrics::HttpMetrics(std::vector<std::string> route_names, std::size_t shards)
    : routes_(std::move(route_names)), shards_(shards == 0 ? 1 : shards) {
  cells_ = std::make_unique<Cell[]>(shards_ * cells_per_shard());
}

std::size_t HttpMetrics::status_index(unsigned status) {
  for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  return kStatuses.size() - 1;  // "other"
}

void HttpMetrics::observe(std::size_t shard, std::size_t route, unsigned status,
                          std::chrono::nanoseconds elapsed) {
  if (route >= routes_.size()) route = 0;
  auto& cell = cells_[(shard % shards_) * cells_per_shard() + route * kStatuses.size() +
                      status_index(status)];
  cell.count.fetch_add(1, std::memory_order_relaxed);
  auto ns = static_cast<std::uint64_t>(elapsed.count());
  cell.sum_ns.fetch_add(ns, std::memory_order_relaxed);
  double seconds = static_cast<double>(ns) / 1e9;
  for (std::size_t b = 0; b < kBucketsSeconds.size(); ++b) {
    if (seconds <= kBucketsSeconds[b]) {
      cell.buckets[b].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
}

std::string HttpMetrics::render() const {
  std::string out;
  out += "# HELP cinestream_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE cinestream_http_requests_total counter\n";
  std::string hist;
  hist += "# HELP cinestream_http_request_duration_seconds Time to produce a response.\n";
  hist += "# TYPE cinestream_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (std::size_t s = 0; s < kStatuses.size(); ++s) {
      std::uint64_t count = 0, sum = 0;
      std::array<std::uint64_t, kBucketsSeconds.size()> buckets{};
      for (std::size_t shard = 0; shard < shards_; ++shard) {
        const auto& cell = cells_[shard * cells_per_shard() + r * kStatuses.size() + s];
        count += cell.count.load(std::memory_order_relaxed);
        sum += cell.sum_ns.load(std::memory_order_relaxed);
        for (std::size_t b = 0; b < buckets.size(); ++b) {
          buckets[b] += cell.buckets[b].load(std::memory_order_relaxed);
        }
      }
      if (count == 0) continue;
      std::string status = kStatuses[s] ? std::to_string(kStatuses[s]) : "other";
      auto labels = fmt::format("route=\"{}\",status=\"{}\"", routes_[r], status);
      out += fmt::format("cinestream_http_requests_total{{{}}} {}\n", labels, count);
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < buckets.size(); ++b) {
        cumulative += buckets[b];
        hist += fmt::format("cinestream_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                            labels, kBucketsSeconds[b], cumulative);
      }
      hist += fmt::format("cinestream_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n",
                          labels, count);
      hist += fmt::format("cinestream_http_request_duration_seconds_sum{{{}}} {:.9f}\n", labels,
                          static_cast<double>(sum) / 1e9);
      hist +=
          fmt::format("cinestream_http_request_duration_seconds_count{{{}}} {}\n", labels, count);
    }
  }
  return out + hist;
}

}  // namespace cinestream
