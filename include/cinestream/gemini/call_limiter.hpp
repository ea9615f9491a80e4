#pragma once
// A process-wide bound on Gemini calls in flight, awaitable from coroutines on any io_context.
// Waiters queue in order; the queue itself is bounded (a caller past it fails at once).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>

namespace cinestream::gemini {

class CallLimiter {
 public:
  CallLimiter(std::size_t max_in_flight, std::size_t max_waiting = 10'000);

  // Returned by acquire(); releases its slot when destroyed.
  class Permit {
   public:
    Permit() = default;
    explicit Permit(CallLimiter* owner) : owner_(owner) {}
    Permit(Permit&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)) {}
    Permit& operator=(Permit&& o) noexcept {
      release();
      owner_ = std::exchange(o.owner_, nullptr);
      return *this;
    }
    ~Permit() { release(); }
    void release() {
      if (owner_) std::exchange(owner_, nullptr)->release();
    }

   private:
    CallLimiter* owner_ = nullptr;
  };

  // Waits for a slot. Throws std::length_error when max_waiting callers already wait.
  boost::asio::awaitable<Permit> acquire();

  std::size_t in_flight() const;
  std::size_t peak_in_flight() const;  // highest seen, for tests and metrics
  std::size_t waiting() const;

 private:
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void wake() = 0;
  };
  template <class Handler, class Work>
  struct WaiterImpl;
  void release();

  std::size_t max_in_flight_;
  std::size_t max_waiting_;
  mutable std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::size_t peak_ = 0;
  std::deque<std::unique_ptr<Waiter>> waiters_;
};

}  // namespace cinestream::gemini
