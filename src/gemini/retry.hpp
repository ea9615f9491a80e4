#pragma once
// What every Gemini method's retry loop shares (client.cpp, embedding_client.cpp): which answers
// are worth another attempt, how an answer that is not maps to an ErrorKind, the jittered
// exponential backoff, and the timer that waits it out.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "cinestream/gemini/client.hpp"
#include "cinestream/gemini/protocol.hpp"

namespace cinestream::gemini::detail {

inline Sleeper timer_sleeper() {
  return [](std::chrono::milliseconds d) -> boost::asio::awaitable<void> {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  };
}

inline bool retryable_status(unsigned s) {
  return s == 429 || s == 500 || s == 503 || s == 504;
}

// The kind of an answer that retrying will not fix.
inline ErrorKind final_failure_kind(unsigned status, const std::optional<ApiError>& api) {
  if (status == 403 || (api && api->reason == "API_KEY_INVALID")) return ErrorKind::auth;
  if (status == 404) return ErrorKind::not_found;
  return ErrorKind::invalid_request;
}

// Exponential with "equal jitter": half fixed, half random, so retries of many callers spread.
inline std::chrono::milliseconds jittered_backoff(std::chrono::milliseconds initial,
                                                  std::chrono::milliseconds max, int attempt) {
  auto base = initial * (1 << std::min(attempt - 1, 16));
  auto capped = std::min<std::chrono::milliseconds>(base, max);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto half = capped.count() / 2;
  return std::chrono::milliseconds(
      half + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(half + 1)));
}

// The wait before the next attempt: the service's RetryInfo (plus a little, so callers that
// were told the same delay do not all come back at once), else the backoff.
inline std::chrono::milliseconds retry_wait(std::optional<std::chrono::milliseconds> retry_after,
                                            std::chrono::milliseconds initial,
                                            std::chrono::milliseconds max, int attempt) {
  if (retry_after)
    return *retry_after +
           std::chrono::milliseconds(std::min<std::int64_t>(250, retry_after->count() / 10));
  return jittered_backoff(initial, max, attempt);
}

}  // namespace cinestream::gemini::detail
