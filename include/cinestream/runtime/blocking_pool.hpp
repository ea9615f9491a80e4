#pragma once
// A bounded pool of threads for blocking calls (task_processors.hpp keeps one each for the
// database, files and CPU-heavy work). Coroutines `co_await pool.run(fn)`: fn runs on a pool thread
// and the coroutine resumes on its own executor, so no io_context thread ever waits on a database.
// The queue is bounded: when it is full, run() fails at once with PoolOverloaded instead of
// queueing without limit.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace cinestream {

class PoolOverloaded : public std::runtime_error {
 public:
  PoolOverloaded() : std::runtime_error("blocking pool queue is full") {}
};

class BlockingPool {
 public:
  // `name` labels the pool in metrics and errors ("db", "files", "cpu"). `nice` (0..19) lowers
  // the threads' scheduling priority: CPU-heavy background work then runs on what the event
  // loops leave, instead of taking a core from them.
  BlockingPool(std::size_t threads, std::size_t queue_limit, std::string name = "db", int nice = 0);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs fn() on a pool thread; resumes the caller on its executor with the result or exception.
  template <class F>
  auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>>;

  // Finishes queued work and joins the threads; later run() calls fail with PoolOverloaded.
  void stop();

  std::size_t threads() const { return thread_count_; }
  std::size_t queued() const;

  struct Stats {
    std::size_t threads = 0;
    std::size_t queue_limit = 0;
    std::size_t queued = 0;
    std::size_t busy = 0;         // tasks running now
    std::uint64_t completed = 0;  // tasks run to the end (or to their exception)
    std::uint64_t rejected = 0;   // run() calls refused because the queue was full or stopped
  };
  Stats stats() const;
  const std::string& name() const { return name_; }

 private:
  struct Task {
    virtual ~Task() = default;
    virtual void run() = 0;
    // Completes the waiting coroutine with an error instead of running.
    virtual void fail(std::exception_ptr error) = 0;
  };
  template <class Fn, class Handler, class Work>
  struct Job;

  // Takes the task only on success; on failure the caller still owns it.
  bool try_submit(std::unique_ptr<Task>& task);
  void worker();

  std::string name_;
  std::size_t queue_limit_;
  std::size_t thread_count_ = 0;
  mutable std::mutex mutex_;
  std::size_t busy_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t rejected_ = 0;
  std::condition_variable ready_;
  std::deque<std::unique_ptr<Task>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

template <class Fn, class Handler, class Work>
struct BlockingPool::Job final : BlockingPool::Task {
  using R = std::invoke_result_t<Fn&>;
  // void results travel as a bool so the completion signature always carries a value.
  using Carried = std::conditional_t<std::is_void_v<R>, bool, R>;

  Job(Fn f, Handler h, Work w) : fn(std::move(f)), handler(std::move(h)), work(std::move(w)) {}

  void run() override {
    std::optional<Carried> value;
    try {
      if constexpr (std::is_void_v<R>) {
        fn();
        value.emplace(true);
      } else {
        value.emplace(fn());
      }
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    complete(nullptr, std::move(value));
  }
  void fail(std::exception_ptr error) override { complete(error, std::nullopt); }

  void complete(std::exception_ptr error, std::optional<Carried> value) {
    boost::asio::post(work, [h = std::move(handler), error, v = std::move(value)]() mutable {
      std::move(h)(error, std::move(v));
    });
  }

  Fn fn;
  Handler handler;
  Work work;
};

template <class F>
auto BlockingPool::run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  namespace asio = boost::asio;
  using R = std::invoke_result_t<F&>;
  using Carried = std::conditional_t<std::is_void_v<R>, bool, R>;
  auto caller = co_await asio::this_coro::executor;

  auto initiate = [this, caller, &fn](auto handler) {
    auto ex = asio::get_associated_executor(handler, caller);
    // Keeps the caller's io_context running while the job is away.
    auto work = asio::prefer(ex, asio::execution::outstanding_work.tracked);
    std::unique_ptr<Task> task = std::make_unique<Job<F, decltype(handler), decltype(work)>>(
        std::move(fn), std::move(handler), work);
    if (!try_submit(task)) task->fail(std::make_exception_ptr(PoolOverloaded()));
  };
  auto result = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                              void(std::exception_ptr, std::optional<Carried>)>(
      std::move(initiate), asio::use_awaitable);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace cinestream
