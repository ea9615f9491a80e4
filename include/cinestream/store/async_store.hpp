#pragma once
// The store as request code sees it: every call runs on the blocking pool and is awaited.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <utility>

#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/store/store.hpp"

namespace cinestream {

class AsyncStore {
 public:
  AsyncStore(Store& store, BlockingPool& pool) : store_(store), pool_(pool) {}

  // `auto query = [](Store& s) { return s.locations(); }; co_await store.call(query);`
  // Name the lambda before awaiting: GCC 12 destroys a temporary with non-trivial captures
  // twice when it sits in a co_await full-expression (GCC PR 100611, fixed in 13).
  template <class F>
  auto call(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Store&>> {
    Store* s = &store_;
    return pool_.run([s, fn = std::move(fn)]() mutable { return fn(*s); });
  }

  Store& blocking() { return store_; }  // for start-up and tools, never on an io thread
  BlockingPool& pool() { return pool_; }

 private:
  Store& store_;
  BlockingPool& pool_;
};

}  // namespace cinestream
