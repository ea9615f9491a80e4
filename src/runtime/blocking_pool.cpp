#include "cinestream/runtime/blocking_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cinestream/runtime/thread_name.hpp"

namespace cinestream {

BlockingPool::BlockingPool(std::size_t threads, std::size_t queue_limit, std::string name, int nice)
    : name_(std::move(name)), queue_limit_(queue_limit == 0 ? 1 : queue_limit) {
  if (threads == 0) threads = 1;
  thread_count_ = threads;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, nice, i] {
      name_this_thread(fmt::format("{}-{}", name_, i));
      // On Linux a nice value is per thread: this one only. Failure (a sandbox forbidding it)
      // leaves the default priority, which is correct, only less polite.
      if (nice > 0)
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), nice);
      worker();
    });
  }
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

BlockingPool::Stats BlockingPool::stats() const {
  std::lock_guard lock(mutex_);
  return {thread_count_, queue_limit_, queue_.size(), busy_, completed_, rejected_};
}

bool BlockingPool::try_submit(std::unique_ptr<Task>& task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) {
      ++rejected_;
      return false;
    }
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
      ++busy_;
    }
    task->run();
    std::lock_guard lock(mutex_);
    --busy_;
    ++completed_;
  }
}

}  // namespace cinestream
