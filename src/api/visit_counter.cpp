#include "cinestream/api/visit_counter.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace cinestream {

boost::asio::awaitable<void> VisitCounter::flush(Async<VisitRepository> store) {
  std::int64_t n = pending_.exchange(0);
  if (n == 0) co_return;
  try {
    auto add = [n](VisitRepository& r) { r.add_visits(n); };
    co_await store.call(add);
  } catch (const std::exception& e) {
    pending_.fetch_add(n);
    spdlog::warn("visit counter flush failed, will retry: {}", e.what());
  }
}

void VisitCounter::flush_blocking(VisitRepository& store) {
  std::int64_t n = pending_.exchange(0);
  if (n == 0) return;
  try {
    store.add_visits(n);
  } catch (const std::exception& e) {
    spdlog::error("visit counter: {} visits not saved at shutdown: {}", n, e.what());
  }
}

boost::asio::awaitable<void> VisitCounter::run(Async<VisitRepository> store,
                                               std::chrono::milliseconds interval) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return;
    co_await flush(store);
  }
}

}  // namespace cinestream
