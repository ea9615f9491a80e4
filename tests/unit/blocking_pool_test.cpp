#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <boost/asio/detached.hpp>

#include <future>
#include <latch>
#include <thread>

#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/runtime/task_processors.hpp"

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

namespace cinestream {
namespace {

// A disk that hangs (every file thread blocked, its queue full) leaves database calls running:
// each kind of work has its own threads and its own bound, and /metrics shows which one is full.
TEST(TaskProcessors, AFullFilePoolDoesNotStopDatabaseCalls) {
  TaskProcessors pools({.db_threads = 1,
                        .db_queue = 4,
                        .file_threads = 1,
                        .file_queue = 1,
                        .cpu_threads = 1,
                        .cpu_queue = 1});
  asio::io_context io;
  std::promise<void> release_disk;
  auto disk = release_disk.get_future().share();
  std::latch disk_busy(1);
  auto stuck_read = [disk, &disk_busy] {
    disk_busy.count_down();
    disk.wait();
  };
  auto queued_read = [disk] { disk.wait(); };
  // The disk's callers wait on a loop of their own, which ends once the disk answers.
  asio::io_context disk_io;
  auto work = asio::make_work_guard(disk_io);
  std::thread disk_loop([&] { disk_io.run(); });
  asio::co_spawn(disk_io, pools.files().run(stuck_read), asio::detached);
  disk_busy.wait();  // the only file thread is taken; the next read waits in the queue
  asio::co_spawn(disk_io, pools.files().run(queued_read), asio::detached);
  for (int i = 0; i < 5000 && pools.files().stats().queued < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));

  auto outcome = run_coro(io, [&]() -> asio::awaitable<std::pair<int, bool>> {
    auto query = [] { return 7; };
    int db = co_await pools.db().run(query);  // the database pool is free
    bool refused = false;
    try {
      auto third_read = [] {};
      co_await pools.files().run(third_read);
    } catch (const PoolOverloaded&) {
      refused = true;
    }
    co_return std::make_pair(db, refused);
  }());
  EXPECT_EQ(outcome.first, 7);
  EXPECT_TRUE(outcome.second);

  auto files = pools.files().stats();
  EXPECT_EQ(files.busy, 1u);
  EXPECT_EQ(files.queued, 1u);
  EXPECT_EQ(files.rejected, 1u);
  EXPECT_EQ(pools.db().stats().completed, 1u);
  auto metrics = pools.render_metrics();
  EXPECT_NE(metrics.find("cinestream_pool_rejected_total{pool=\"files\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("cinestream_pool_rejected_total{pool=\"db\"} 0"), std::string::npos);
  EXPECT_NE(metrics.find("cinestream_pool_threads{pool=\"cpu\"} 1"), std::string::npos);

  release_disk.set_value();
  work.reset();
  disk_loop.join();
  pools.stop();
}

}  // namespace
}  // namespace cinestream
