#include "cinestream/runtime/blocking_pool.hpp"

#include "cinestream/http/router.hpp"

namespace cinestream {

void register_pool_errors(http::Router& router) {
  router.register_error<PoolOverloaded>(http::Status::service_unavailable, "unavailable",
                                        "the data store is busy or unreachable; try again shortly",
                                        std::chrono::seconds(1));
}

BlockingPool::BlockingPool(std::size_t threads, std::size_t queue_limit)
    : queue_limit_(queue_limit == 0 ? 1 : queue_limit) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { worker(); });
}

BlockingPool::~BlockingPool() {
  stop();
}

void BlockingPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t BlockingPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool BlockingPool::try_submit(std::unique_ptr<Task>& task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void BlockingPool::worker() {
  for (;;) {
    std::unique_ptr<Task> task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Queued work still runs after stop(): its callers are waiting for an answer.
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task->run();
  }
}

}  // namespace cinestream
