#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <boost/asio/detached.hpp>

#include <future>
#include <latch>
#include <thread>

#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream {
namespace {

namespace asio = boost::asio;

template <class T>
T run_coro(asio::io_context& io, asio::awaitable<T> coro) {
  auto fut = asio::co_spawn(io, std::move(coro), asio::use_future);
  io.run();
  io.restart();
  return fut.get();
}

TEST(BlockingPool, RunsOffTheLoopAndResumesOnIt) {
  BlockingPool pool(2, 16);
  asio::io_context io;
  auto loop_thread = std::this_thread::get_id();
  auto result = run_coro(io, [&]() -> asio::awaitable<std::pair<bool, bool>> {
    auto worker = co_await pool.run([] { return std::this_thread::get_id(); });
    co_return std::make_pair(worker != loop_thread, std::this_thread::get_id() == loop_thread);
  }());
  EXPECT_TRUE(result.first);   // the work ran on a pool thread
  EXPECT_TRUE(result.second);  // and the coroutine came back to the loop
}

TEST(BlockingPool, PropagatesExceptionsAndVoid) {
  BlockingPool pool(1, 4);
  asio::io_context io;
  int side = 0;
  auto msg = run_coro(io, [&]() -> asio::awaitable<std::string> {
    co_await pool.run([&] { side = 42; });
    try {
      co_await pool.run([]() -> int { throw std::runtime_error("db down"); });
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  }());
  EXPECT_EQ(side, 42);
  EXPECT_EQ(msg, "db down");
}

TEST(BlockingPool, FullQueueFailsFastInsteadOfGrowing) {
  BlockingPool pool(1, 1);
  std::latch started(1);
  std::promise<void> release;
  auto released = release.get_future().share();
  asio::io_context io;
  // Occupy the only thread, then fill the one queue slot; the third call must be refused.
  asio::co_spawn(io, pool.run([&] {
    started.count_down();
    released.wait();
  }),
                 asio::detached);
  io.poll();
  started.wait();
  asio::co_spawn(io, pool.run([] {}), asio::detached);
  io.poll();
  EXPECT_EQ(pool.queued(), 1u);
  // A named lambda: the coroutine reads its captures after this statement ends (a temporary
  // closure was a stack-use-after-scope, found by ASan).
  auto call = [&]() -> asio::awaitable<std::string> {
    try {
      co_await pool.run([] {});
      co_return "ran";
    } catch (const PoolOverloaded&) {
      co_return "overloaded";
    }
  };
  auto third = asio::co_spawn(io, call(), asio::use_future);
  io.poll();
  release.set_value();
  io.run();
  EXPECT_EQ(third.get(), "overloaded");
}

}  // namespace
}  // namespace cinestream
