// Response-cache misses computed once: concurrent misses of one key on two loops (threads) share
// one store query; each waiter resumes on its own loop.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "cinestream/cache/response_cache.hpp"
#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Two event loops on their own threads, like the server's.
struct TwoLoops {
  asio::io_context a, b;
  asio::executor_work_guard<asio::io_context::executor_type> ga{a.get_executor()},
      gb{b.get_executor()};
  std::thread ta{[this] { a.run(); }}, tb{[this] { b.run(); }};
  ~TwoLoops() {
    ga.reset();
    gb.reset();
    ta.join();
    tb.join();
  }
};

struct Outcome {
  SingleFlight::Result body;
  bool own_thread = false;
  std::string error;
};

// A request's miss (a free function: its arguments live in the coroutine frame).
asio::awaitable<Outcome> miss(SingleFlight& flights, std::string key,
                              SingleFlight::Compute compute) {
  auto thread = std::this_thread::get_id();
  Outcome out;
  try {
    out.body = co_await flights.run(key, 7, std::move(compute));
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.own_thread = std::this_thread::get_id() == thread;
  co_return out;
}

TEST(SingleFlight, ConcurrentMissesOfOneKeyQueryOnce) {
  BlockingPool pool(2, 64);
  SingleFlight flights;
  std::atomic<int> queries{0};
  SingleFlight::Compute compute = [&]() -> asio::awaitable<SingleFlight::Result> {
    // The slow store query, counted.
    auto query = [&queries] {
      ++queries;
      std::this_thread::sleep_for(200ms);
      return std::string(R"({"rows":[]})");
    };
    auto json = co_await pool.run(query);
    co_return make_cached_body(std::move(json));
  };
  std::vector<std::future<Outcome>> results;
  {
    TwoLoops loops;
    for (int i = 0; i < 20; ++i) {
      auto& io = i % 2 ? loops.a : loops.b;
      results.push_back(asio::co_spawn(io, miss(flights, "showtimes|kyiv|2026-11-21|en", compute),
                                       asio::use_future));
    }
    for (auto& r : results)
      r.wait();
  }
  pool.stop();
  SingleFlight::Result first;
  for (auto& r : results) {
    auto out = r.get();
    ASSERT_TRUE(out.body);
    EXPECT_TRUE(out.own_thread);  // resumed on its own loop
    if (!first) first = out.body;
    EXPECT_EQ(out.body, first);  // the one computed body, shared
  }
  EXPECT_EQ(queries.load(), 1);
  EXPECT_EQ(flights.computations(), 1u);
}

TEST(SingleFlight, FailureReachesEveryWaiterAndTheNextMissComputesAgain) {
  BlockingPool pool(2, 64);
  SingleFlight flights;
  std::atomic<int> queries{0};
  SingleFlight::Compute failing = [&]() -> asio::awaitable<SingleFlight::Result> {
    auto query = [&queries]() -> std::string {
      ++queries;
      std::this_thread::sleep_for(100ms);
      throw std::runtime_error("store unavailable");
    };
    co_return make_cached_body(co_await pool.run(query));
  };
  std::vector<std::future<Outcome>> results;
  {
    TwoLoops loops;
    for (int i = 0; i < 6; ++i) {
      results.push_back(
          asio::co_spawn(i % 2 ? loops.a : loops.b, miss(flights, "k", failing), asio::use_future));
    }
    for (auto& r : results)
      r.wait();
    EXPECT_EQ(queries.load(), 1);
    // Nothing is left in flight: the next miss computes.
    SingleFlight::Compute ok = [&]() -> asio::awaitable<SingleFlight::Result> {
      ++queries;
      co_return make_cached_body("{}");
    };
    EXPECT_TRUE(asio::co_spawn(loops.a, miss(flights, "k", ok), asio::use_future).get().body);
  }
  pool.stop();
  for (auto& r : results)
    EXPECT_EQ(r.get().error, "store unavailable");
  EXPECT_EQ(queries.load(), 2);
}

}  // namespace
}  // namespace cinestream
