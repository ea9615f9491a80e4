#pragma once
// The process's publish point for live notices: the notifier publishes each notice it created
// (when the user has push on); a live connection (a WebSocket, wired by the composition root)
// subscribes for its signed-in user and awaits them. Thread-safe: publish runs on a db pool
// thread, subscribers on their own event loops. Bounded: a queue of `queue_bound` notices per
// subscription (the oldest is dropped and counted, so the page knows to catch up with
// NotificationRepository::since), `max_per_user` subscriptions per user. A notice created by
// another process never reaches this hub: pages catch up on those with since(user, last id).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cinestream/notifications/notification_repository.hpp"

namespace cinestream::notifications {

class NoticeHub {
 public:
  class Subscription {
   public:
    Subscription(std::string user_id, boost::asio::any_io_executor executor, std::size_t bound);
    const std::string& user_id() const { return user_id_; }
    // What is queued, oldest first; empty when nothing is.
    std::vector<Notice> take();
    // Waits on the subscription's executor (one thread, like an event loop: its own io_context
    // or a strand) until a notice is queued or `timeout` passed, then take()s.
    boost::asio::awaitable<std::vector<Notice>> next(std::chrono::milliseconds timeout);
    // Notices dropped because the queue was full; the page should catch up with since().
    std::uint64_t dropped() const;

   private:
    friend class NoticeHub;
    void push(const Notice& n);

    std::string user_id_;
    std::size_t bound_;
    mutable std::mutex mutex_;
    std::deque<Notice> queue_;
    std::uint64_t dropped_ = 0;
    boost::asio::steady_timer timer_;
  };

  explicit NoticeHub(std::size_t queue_bound = 32, std::size_t max_per_user = 8)
      : queue_bound_(queue_bound), max_per_user_(max_per_user) {}

  // A subscription for the user's notices, delivered on `executor`; null when the user has
  // max_per_user live ones already. Dropping the last shared_ptr unsubscribes.
  std::shared_ptr<Subscription> subscribe(const std::string& user_id,
                                          boost::asio::any_io_executor executor);
  // Queues the notice for every live subscription of its user and wakes them.
  void publish(const Notice& n);
  std::size_t subscriptions() const;

 private:
  std::size_t queue_bound_;
  std::size_t max_per_user_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::weak_ptr<Subscription>>> by_user_;
};

}  // namespace cinestream::notifications
