#include "cinestream/gemini/call_limiter.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <stdexcept>

namespace cinestream::gemini {
namespace asio = boost::asio;

template <class Handler, class Work>
struct CallLimiter::WaiterImpl final : CallLimiter::Waiter {
  WaiterImpl(Handler h, Work w) : handler(std::move(h)), work(std::move(w)) {}
  // The slot was handed over by release(): resume the waiter on its own executor.
  void wake() override {
    asio::post(work, [h = std::move(handler)]() mutable { std::move(h)(std::exception_ptr{}); });
  }
  Handler handler;
  Work work;
};

CallLimiter::CallLimiter(std::size_t max_in_flight, std::size_t max_waiting)
    : max_in_flight_(std::max<std::size_t>(1, max_in_flight)), max_waiting_(max_waiting) {}

asio::awaitable<CallLimiter::Permit> CallLimiter::acquire() {
  auto caller = co_await asio::this_coro::executor;
  {
    std::lock_guard lock(mutex_);
    if (in_flight_ < max_in_flight_ && waiters_.empty()) {
      peak_ = std::max(peak_, ++in_flight_);
      co_return Permit(this);
    }
    if (waiters_.size() >= max_waiting_) throw std::length_error("too many Gemini calls waiting");
  }
  auto initiate = [this, caller](auto handler) {
    auto ex = asio::get_associated_executor(handler, caller);
    auto work = asio::prefer(ex, asio::execution::outstanding_work.tracked);
    std::unique_lock lock(mutex_);
    // A slot may have freed between the check above and now.
    if (in_flight_ < max_in_flight_ && waiters_.empty()) {
      peak_ = std::max(peak_, ++in_flight_);
      lock.unlock();
      asio::post(work, [h = std::move(handler)]() mutable { std::move(h)(std::exception_ptr{}); });
      return;
    }
    waiters_.push_back(
        std::make_unique<WaiterImpl<decltype(handler), decltype(work)>>(std::move(handler), work));
  };
  co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      std::move(initiate), asio::use_awaitable);
  co_return Permit(this);
}

void CallLimiter::release() {
  std::unique_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (!waiters_.empty()) {
      next = std::move(waiters_.front());  // the slot passes straight to the next waiter
      waiters_.pop_front();
    } else {
      --in_flight_;
    }
  }
  if (next) next->wake();
}

std::size_t CallLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}
std::size_t CallLimiter::peak_in_flight() const {
  std::lock_guard lock(mutex_);
  return peak_;
}
std::size_t CallLimiter::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

}  // namespace cinestream::gemini
