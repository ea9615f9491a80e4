#pragma once
// Token and cost accounting: per call, and summed for the process (shown in /metrics).
#include <atomic>
#include <cstdint>
#include <string>

#include "cinestream/gemini/model.hpp"

namespace cinestream::gemini {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;    // candidatesTokenCount
  std::int64_t thinking_tokens = 0;  // thoughtsTokenCount
  std::int64_t tool_use_tokens = 0;  // toolUsePromptTokenCount
  std::int64_t total_tokens = 0;
  std::int64_t calls = 0;
  std::int64_t grounded_calls = 0;
  std::int64_t search_queries = 0;
  double cost_usd = 0;

  Usage& operator+=(const Usage& o);
};

// Estimated cost of one call's usage under `prices`. Tool-use prompt tokens bill as input.
double estimate_cost(const Usage& u, const Prices& prices);

// Process-wide totals, updated from any thread without a lock.
class UsageMeter {
 public:
  void add(const Usage& u);
  void add_failure() { failures_.fetch_add(1, std::memory_order_relaxed); }
  void add_retry() { retries_.fetch_add(1, std::memory_order_relaxed); }
  Usage total() const;
  std::int64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  std::int64_t retries() const { return retries_.load(std::memory_order_relaxed); }
  // Prometheus text (counts and dollars only: nothing secret).
  std::string render_metrics() const;

 private:
  std::atomic<std::int64_t> prompt_{0}, output_{0}, thinking_{0}, tool_{0}, total_{0}, calls_{0},
      grounded_{0}, queries_{0}, micro_usd_{0}, failures_{0}, retries_{0};
};

}  // namespace cinestream::gemini
