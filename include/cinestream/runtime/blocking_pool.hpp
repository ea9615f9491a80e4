#pragma once
// One bounded pool for every blocking call (SQLite, libmongoc, file I/O). Coroutines `co_await
// pool.run(fn)`: fn runs on a pool thread and the coroutine resumes on its own executor, so no
// io_context thread ever waits on a database. The queue is bounded: when it is full, run() fails
// at once with PoolOverloaded instead of queueing without limit.
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
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace cinestream {

namespace http {
class Router;
}

class PoolOverloaded : public std::runtime_error {
 public:
  PoolOverloaded() : std::runtime_error("blocking pool queue is full") {}
};

// Installs PoolOverloaded in the router's error table: 503 unavailable, Retry-After: 1.
void register_pool_errors(http::Router& router);

class BlockingPool {
 public:
  BlockingPool(std::size_t threads, std::size_t queue_limit);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs fn() on a pool thread; resumes the caller on its executor with the result or exception.
  template <class F>
  auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>>;

  // Finishes queued work and joins the threads; later run() calls fail with PoolOverloaded.
  void stop();

  std::size_t threads() const { return threads_.size(); }
  std::size_t queued() const;

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

  std::size_t queue_limit_;
  mutable std::mutex mutex_;
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
