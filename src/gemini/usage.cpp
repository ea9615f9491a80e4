#include "cinestream/gemini/usage.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cinestream::gemini {

Usage& Usage::operator+=(const Usage& o) {
  prompt_tokens += o.prompt_tokens;
  output_tokens += o.output_tokens;
  thinking_tokens += o.thinking_tokens;
  tool_use_tokens += o.tool_use_tokens;
  total_tokens += o.total_tokens;
  calls += o.calls;
  grounded_calls += o.grounded_calls;
  search_queries += o.search_queries;
  cost_usd += o.cost_usd;
  return *this;
}

double estimate_cost(const Usage& u, const Prices& p) {
  double input = static_cast<double>(u.prompt_tokens + u.tool_use_tokens);
  double output = static_cast<double>(u.output_tokens + u.thinking_tokens);
  return input * p.input_per_million / 1e6 + output * p.output_per_million / 1e6 +
         static_cast<double>(u.grounded_calls) * p.per_grounded_request +
         static_cast<double>(u.search_queries) * p.per_search_query;
}

void UsageMeter::add(const Usage& u) {
  constexpr auto r = std::memory_order_relaxed;
  prompt_.fetch_add(u.prompt_tokens, r);
  output_.fetch_add(u.output_tokens, r);
  thinking_.fetch_add(u.thinking_tokens, r);
  tool_.fetch_add(u.tool_use_tokens, r);
  total_.fetch_add(u.total_tokens, r);
  calls_.fetch_add(u.calls, r);
  grounded_.fetch_add(u.grounded_calls, r);
  queries_.fetch_add(u.search_queries, r);
  micro_usd_.fetch_add(static_cast<std::int64_t>(std::llround(u.cost_usd * 1e6)), r);
}

Usage UsageMeter::total() const {
  constexpr auto r = std::memory_order_relaxed;
  Usage u;
  u.prompt_tokens = prompt_.load(r);
  u.output_tokens = output_.load(r);
  u.thinking_tokens = thinking_.load(r);
  u.tool_use_tokens = tool_.load(r);
  u.total_tokens = total_.load(r);
  u.calls = calls_.load(r);
  u.grounded_calls = grounded_.load(r);
  u.search_queries = queries_.load(r);
  u.cost_usd = static_cast<double>(micro_usd_.load(r)) / 1e6;
  return u;
}

std::string UsageMeter::render_metrics() const {
  auto u = total();
  std::string out;
  auto counter = [&](const char* name, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  counter("cinestream_gemini_calls_total", "Gemini calls that returned an answer.", u.calls);
  counter("cinestream_gemini_grounded_calls_total", "Calls grounded with Google Search.",
          u.grounded_calls);
  counter("cinestream_gemini_search_queries_total", "Search queries run by grounded calls.",
          u.search_queries);
  counter("cinestream_gemini_failures_total", "Calls that failed after their retries.",
          failures_.load());
  counter("cinestream_gemini_retries_total",
          "Attempts retried after 429, 5xx or a lost connection.", retries_.load());
  out += "# HELP cinestream_gemini_tokens_total Tokens by kind.\n";
  out += "# TYPE cinestream_gemini_tokens_total counter\n";
  out += fmt::format("cinestream_gemini_tokens_total{{kind=\"prompt\"}} {}\n", u.prompt_tokens);
  out += fmt::format("cinestream_gemini_tokens_total{{kind=\"output\"}} {}\n", u.output_tokens);
  out += fmt::format("cinestream_gemini_tokens_total{{kind=\"thinking\"}} {}\n", u.thinking_tokens);
  out += fmt::format("cinestream_gemini_tokens_total{{kind=\"tool_use\"}} {}\n", u.tool_use_tokens);
  counter("cinestream_gemini_estimated_cost_usd_total", "Estimated spend from configured prices.",
          fmt::format("{:.6f}", u.cost_usd));
  return out;
}

}  // namespace cinestream::gemini
