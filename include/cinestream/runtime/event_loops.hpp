#pragma once
// One io_context per thread (Drogon's model): each loop has its own listener and its own
// connections, so a request never crosses threads and per-loop state needs no lock.
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace cinestream {

class EventLoops {
 public:
  explicit EventLoops(unsigned count);
  ~EventLoops();

  std::size_t size() const { return loops_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *loops_[i]; }

  // Runs loops 1..n-1 on their own threads and loop 0 on the caller; returns when all stopped.
  void run();
  void stop();
  // Destroys the pending handlers and suspended coroutines of every loop now, while what they
  // refer to is still alive: the destructor comes last, after the services declared after the
  // loops (TSan saw a scrape's frame release its call permit into a destroyed limiter).
  void shutdown();

  // The index of the loop running on this thread (0 outside any loop).
  static std::size_t current();

 private:
  struct Context : boost::asio::io_context {
    using boost::asio::execution_context::shutdown;  // protected in Asio
    using boost::asio::io_context::io_context;
  };
  std::vector<std::unique_ptr<Context>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace cinestream
