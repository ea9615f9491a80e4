// The App a feature installs itself into: tasks start on the first loop, drain steps run by
// stage in the order registered (a failing step does not stop the others), exit steps run once,
// and owned services are destroyed last installed first.
#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cinestream/app/app.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

namespace asio = boost::asio;

struct Recorder {
  Recorder(std::vector<std::string>& into, std::string called)
      : log(into), name(std::move(called)) {}
  ~Recorder() { log.push_back("destroyed " + name); }
  std::vector<std::string>& log;
  std::string name;
};

class AppTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::unique_ptr<Database> db_ = make_sqlite_store(dir_.str() + "/s.sqlite3", 1);
  EventLoops loops_{1};
  TaskProcessors pools_{{.db_threads = 1, .db_queue = 8}};
  http::Router router_;
};

TEST_F(AppTest, DrainStepsRunByStageInOrderAndAFailureDoesNotStopTheOthers) {
  std::vector<std::string> log;
  App app(loops_, pools_, *db_, router_);
  app.on_drain(DrainStage::after_requests_end, [&log]() -> asio::awaitable<void> {
    log.push_back("after 1");
    co_return;
  });
  app.on_drain(DrainStage::before_requests_end, [&log]() -> asio::awaitable<void> {
    log.push_back("before 1");
    throw std::runtime_error("a failing step");
    co_return;
  });
  app.on_drain(DrainStage::before_requests_end, [&log]() -> asio::awaitable<void> {
    log.push_back("before 2");
    co_return;
  });
  asio::io_context io;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await app.drain(DrainStage::before_requests_end);
        log.push_back("requests end");
        co_await app.drain(DrainStage::after_requests_end);
      },
      asio::use_future);
  io.run();
  done.get();
  EXPECT_EQ(log, (std::vector<std::string>{"before 1", "before 2", "requests end", "after 1"}));
}

TEST_F(AppTest, TasksStartOnTheFirstLoopAlsoWhenSpawnedLater) {
  App app(loops_, pools_, *db_, router_);
  std::promise<std::thread::id> first, second;
  app.spawn([&first]() -> asio::awaitable<void> {
    first.set_value(std::this_thread::get_id());
    co_return;
  });
  auto first_ran = first.get_future();
  loops_.at(0).poll();  // would run it if spawn() had queued it
  loops_.at(0).restart();
  EXPECT_EQ(first_ran.wait_for(std::chrono::milliseconds(0)),
            std::future_status::timeout);  // nothing runs before start()
  app.start();
  app.spawn([&second]() -> asio::awaitable<void> {
    second.set_value(std::this_thread::get_id());
    co_return;
  });
  auto second_ran = second.get_future();
  std::thread runner([this] { loops_.at(0).run_for(std::chrono::seconds(2)); });
  auto loop_thread = runner.get_id();
  auto a = first_ran.get();
  auto b = second_ran.get();
  runner.join();
  EXPECT_EQ(a, loop_thread);
  EXPECT_EQ(b, loop_thread);
}

TEST_F(AppTest, MetricsSectionsExitStepsAndOwnedServicesInOrder) {
  std::vector<std::string> log;
  {
    App app(loops_, pools_, *db_, router_);
    app.own(std::make_unique<Recorder>(log, "first"));
    app.own(std::make_unique<Recorder>(log, "second"));
    app.add_metrics([] { return std::string("a 1\n"); });
    app.add_metrics([] { return std::string("b 2\n"); });
    EXPECT_EQ(app.render_metrics(), "a 1\nb 2\n");
    int exits = 0;
    app.on_exit([&exits] { ++exits; });
    app.on_exit([] { throw std::runtime_error("a failing exit step"); });
    app.on_exit([&exits] { ++exits; });
    app.exit();
    app.exit();  // once
    EXPECT_EQ(exits, 2);
  }
  EXPECT_EQ(log, (std::vector<std::string>{"destroyed second", "destroyed first"}));
}

}  // namespace
}  // namespace cinestream
