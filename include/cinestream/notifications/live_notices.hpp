#pragma once
// GET /api/me/notifications/live: a WebSocket (http/websocket.hpp) that pushes each new notice of
// the signed-in user, {"type": "notice", "notice": {...notice_json...}}, while the user has `push`
// on. The process's NoticeHub wakes it at once for notices this worker created; every `poll` it
// also catches up through the store (NotificationRepository::since), which covers notices made by
// another worker or process and any the hub dropped. Each wake reads what came after the last
// notice sent, so nothing is sent twice.
#include <chrono>

#include "cinestream/http/router.hpp"
#include "cinestream/notifications/notice_hub.hpp"
#include "cinestream/notifications/notifications_api.hpp"
#include "cinestream/store/async_store.hpp"

namespace cinestream::notifications {

struct LiveNoticesOptions {
  std::chrono::milliseconds poll{5'000};
  std::size_t batch = 20;  // notices sent per wake at most (the rest on the next)
};

class LiveNotices {
 public:
  LiveNotices(Async<NotificationsApiStore> store, NoticeHub& hub, LiveNoticesOptions options)
      : store_(store), hub_(hub), options_(options) {}
  void register_routes(http::Router& router);

 private:
  Async<NotificationsApiStore> store_;
  NoticeHub& hub_;
  LiveNoticesOptions options_;
};

}  // namespace cinestream::notifications
