#pragma once
// What a feature module installs itself into. The composition root (cli/serve_command.cpp) builds
// one App per worker process; each feature's install(App&, ...) registers its routes, owns its
// service, adds its section of /metrics, starts its background tasks and says what must happen
// when the process drains. Features never reach into one another: what they share (the city
// catalog, the database, the pools) comes through here or through install's arguments.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cinestream/app/activity.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/runtime/event_loops.hpp"
#include "cinestream/runtime/task_processors.hpp"
#include "cinestream/store/database.hpp"

namespace cinestream {

// When a drain step runs: before the server stops taking requests (a scrape frees its lock at
// once), or after the last request was answered (flush what the requests left behind).
enum class DrainStage { before_requests_end, after_requests_end };

class App {
 public:
  using Task = std::function<boost::asio::awaitable<void>()>;

  App(EventLoops& loops, TaskProcessors& pools, Database& database, http::Router& router)
      : loops_(loops), pools_(pools), database_(database), router_(router) {}
  // Destroys the owned services, the last installed first (it may use an earlier one).
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  EventLoops& loops() { return loops_; }
  TaskProcessors& pools() { return pools_; }
  Database& database() { return database_; }
  http::Router& router() { return router_; }
  // Where routes note a signed-in visitor's implicit interactions (activity.hpp).
  Activity& activity() { return activity_; }

  // Keeps a feature's object alive as long as the App.
  template <class T>
  T& own(std::unique_ptr<T> object) {
    T& ref = *object;
    owned_.emplace_back(std::shared_ptr<T>(std::move(object)));
    return ref;
  }

  // A section of /metrics (Prometheus text), rendered each time /metrics is read.
  void add_metrics(std::function<std::string()> section);
  std::string render_metrics() const;

  // A task for the life of the process (a watchdog, a flusher), started on the first loop by
  // start() or at once when start() already ran.
  void spawn(Task task);
  void start();

  void on_drain(DrainStage stage, Task step);
  // Runs the stage's steps in the order they were registered; a step that throws is logged and
  // the others still run.
  boost::asio::awaitable<void> drain(DrainStage stage);

  // After the loops have stopped, on the main thread: the last blocking writes.
  void on_exit(std::function<void()> step);
  void exit();

 private:
  EventLoops& loops_;
  TaskProcessors& pools_;
  Database& database_;
  http::Router& router_;
  Activity activity_;
  std::vector<std::shared_ptr<void>> owned_;
  std::vector<std::function<std::string()>> metrics_;
  std::vector<std::unique_ptr<Task>> tasks_;
  bool started_ = false;
  std::vector<std::pair<DrainStage, Task>> drain_steps_;
  std::vector<std::function<void()>> exit_steps_;
};

}  // namespace cinestream
