#pragma once
// Blocking storage as request code sees it: every call runs on the db pool and is awaited.
// `T` is whatever the caller may use there: one repository, a feature's struct of repositories,
// or a HealthCheck.
#include <boost/asio/awaitable.hpp>

#include <type_traits>
#include <utility>

#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream {

template <class T>
class Async {
 public:
  Async(T& target, BlockingPool& pool) : target_(&target), pool_(&pool) {}

  // `auto query = [](LocationRepository& r) { return r.locations(); }; co_await a.call(query);`
  // Name the lambda before awaiting: GCC 12 destroys a temporary with non-trivial captures
  // twice when it sits in a co_await full-expression (GCC PR 100611, fixed in 13).
  template <class F>
  auto call(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, T&>> {
    T* t = target_;
    return pool_->run([t, fn = std::move(fn)]() mutable { return fn(*t); });
  }

  T& blocking() { return *target_; }  // for start-up and tools, never on an io thread
  BlockingPool& pool() { return *pool_; }

 private:
  T* target_;
  BlockingPool* pool_;
};

}  // namespace cinestream
