// NoticeHub (include/cinestream/notifications/notice_hub.hpp): a notice published on another
// thread wakes the subscriber's wait on its own loop; queues and subscriptions are bounded.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "cinestream/notifications/notice_hub.hpp"

namespace cinestream::notifications {
namespace {

namespace asio = boost::asio;

Notice notice(std::string user, std::int64_t id) {
  Notice n;
  n.id = id;
  n.user_id = std::move(user);
  n.film_id = 7;
  n.city = "kyiv";
  return n;
}

TEST(NoticeHub, APublishOnAnotherThreadWakesTheWaitingSubscriber) {
  NoticeHub hub;
  asio::io_context loop;
  auto sub = hub.subscribe("ann", loop.get_executor());
  ASSERT_TRUE(sub);
  auto got = asio::co_spawn(loop, sub->next(std::chrono::hours(1)), asio::use_future);
  // The wait starts before the publish: run the loop until the coroutine is parked.
  loop.poll();
  std::thread publisher([&] {
    hub.publish(notice("bob", 1));  // someone else's: not delivered
    hub.publish(notice("ann", 2));
  });
  loop.run();  // returns once the woken coroutine finished; an hour if the wake were lost
  publisher.join();
  auto list = got.get();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, 2);
}

TEST(NoticeHub, QueuesAndSubscriptionsAreBounded) {
  NoticeHub hub(/*queue_bound=*/2, /*max_per_user=*/2);
  asio::io_context loop;
  auto a = hub.subscribe("ann", loop.get_executor());
  auto b = hub.subscribe("ann", loop.get_executor());
  EXPECT_FALSE(hub.subscribe("ann", loop.get_executor())) << "two per user";
  EXPECT_TRUE(hub.subscribe("bob", loop.get_executor()));
  EXPECT_EQ(hub.subscriptions(), 2u) << "bob's was dropped at once";
  for (int i = 1; i <= 3; ++i)
    hub.publish(notice("ann", i));
  auto list = a->take();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, 2) << "the oldest is dropped";
  EXPECT_EQ(a->dropped(), 1u);
  EXPECT_TRUE(a->take().empty());
  b.reset();
  EXPECT_TRUE(hub.subscribe("ann", loop.get_executor())) << "a closed one frees its place";
}

}  // namespace
}  // namespace cinestream::notifications
