#include "cinestream/app/app.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <exception>

namespace cinestream {

App::~App() {
  while (!owned_.empty())
    owned_.pop_back();
}

void App::add_metrics(std::function<std::string()> section) {
  metrics_.push_back(std::move(section));
}

std::string App::render_metrics() const {
  std::string out;
  for (const auto& section : metrics_)
    out += section();
  return out;
}

// The tasks are kept for the life of the App: a lambda coroutine's captures live in its closure,
// which must outlive the coroutine (and must not move, hence one allocation per task).
void App::spawn(Task task) {
  tasks_.push_back(std::make_unique<Task>(std::move(task)));
  if (started_) boost::asio::co_spawn(loops_.at(0), (*tasks_.back())(), boost::asio::detached);
}

void App::start() {
  if (started_) return;
  started_ = true;
  for (auto& task : tasks_)
    boost::asio::co_spawn(loops_.at(0), (*task)(), boost::asio::detached);
}

void App::on_drain(DrainStage stage, Task step) {
  drain_steps_.emplace_back(stage, std::move(step));
}

boost::asio::awaitable<void> App::drain(DrainStage stage) {
  for (auto& [when, step] : drain_steps_) {
    if (when != stage) continue;
    try {
      co_await step();
    } catch (const std::exception& e) {
      spdlog::error("drain step failed: {}", e.what());
    }
  }
}

void App::on_exit(std::function<void()> step) {
  exit_steps_.push_back(std::move(step));
}

void App::exit() {
  for (auto& step : exit_steps_) {
    try {
      step();
    } catch (const std::exception& e) {
      spdlog::error("exit step failed: {}", e.what());
    }
  }
  exit_steps_.clear();
}

}  // namespace cinestream
