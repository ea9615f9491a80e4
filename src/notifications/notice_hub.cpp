#include "cinestream/notifications/notice_hub.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace cinestream::notifications {
namespace asio = boost::asio;

NoticeHub::Subscription::Subscription(std::string user_id, asio::any_io_executor executor,
                                      std::size_t bound)
    : user_id_(std::move(user_id)), bound_(std::max<std::size_t>(1, bound)), timer_(executor) {}

std::vector<Notice> NoticeHub::Subscription::take() {
  std::lock_guard lock(mutex_);
  std::vector<Notice> out(std::make_move_iterator(queue_.begin()),
                          std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

std::uint64_t NoticeHub::Subscription::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

asio::awaitable<std::vector<Notice>> NoticeHub::Subscription::next(
    std::chrono::milliseconds timeout) {
  auto ready = take();
  if (!ready.empty()) co_return ready;
  // A publish after take() posts a cancel to this executor, which runs after the wait starts.
  timer_.expires_after(timeout);
  boost::system::error_code ec;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return take();
}

void NoticeHub::Subscription::push(const Notice& n) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= bound_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(n);
}

std::shared_ptr<NoticeHub::Subscription> NoticeHub::subscribe(const std::string& user_id,
                                                              asio::any_io_executor executor) {
  std::lock_guard lock(mutex_);
  auto& subs = by_user_[user_id];
  std::erase_if(subs, [](const auto& w) { return w.expired(); });
  if (subs.size() >= max_per_user_) return nullptr;
  auto sub = std::make_shared<Subscription>(user_id, std::move(executor), queue_bound_);
  subs.push_back(sub);
  return sub;
}

void NoticeHub::publish(const Notice& n) {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    std::lock_guard lock(mutex_);
    auto it = by_user_.find(n.user_id);
    if (it == by_user_.end()) return;
    std::erase_if(it->second, [](const auto& w) { return w.expired(); });
    for (const auto& w : it->second)
      if (auto s = w.lock()) live.push_back(std::move(s));
    if (it->second.empty()) by_user_.erase(it);
  }
  for (auto& s : live) {
    s->push(n);
    // The timer belongs to the subscriber's executor: cancel it there, never from this thread.
    // Weakly: a pending wake-up does not keep a closed subscription alive.
    asio::post(s->timer_.get_executor(), [w = std::weak_ptr<Subscription>(s)] {
      if (auto sub = w.lock()) sub->timer_.cancel();
    });
  }
}

std::size_t NoticeHub::subscriptions() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [user, subs] : by_user_)
    n += static_cast<std::size_t>(
        std::count_if(subs.begin(), subs.end(), [](const auto& w) { return !w.expired(); }));
  return n;
}

}  // namespace cinestream::notifications
