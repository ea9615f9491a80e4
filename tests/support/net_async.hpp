#pragma once
// Running a test coroutine on an io_context with a hard time limit, and capturing HttpErrors.
#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>

#include "cinestream/net/dns_resolver.hpp"

namespace cinestream::testing {

// Runs make() to completion on `io` (servers may share the loop), then stops the loop. Fails the
// test if it has not finished within `limit`; rethrows what the coroutine threw.
template <class Make>
void run_on(boost::asio::io_context& io, Make& make,
            std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  bool done = false;
  std::exception_ptr error;
  boost::asio::co_spawn(io, make(), [&](std::exception_ptr e) {
    done = true;
    error = e;
    io.stop();
  });
  io.run_for(limit);
  ASSERT_TRUE(done) << "the test coroutine did not finish within " << limit.count() << " ms";
  if (error) std::rethrow_exception(error);
}

// The HttpError `op` threw, or nothing if it succeeded.
template <class T>
boost::asio::awaitable<std::optional<net::HttpError>> error_of(boost::asio::awaitable<T> op) {
  try {
    co_await std::move(op);
  } catch (const net::HttpError& e) {
    co_return e;
  }
  co_return std::nullopt;
}

inline boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
  co_await t.async_wait(boost::asio::use_awaitable);
}

inline long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace cinestream::testing
