#pragma once
// The signed-in visitor's notification routes: GET /api/me/notifications?unread=1&limit=&before=,
// POST /api/me/notifications/read {"ids": ["..."]} | {"all": true}, GET/PUT
// /api/me/notification-settings.
#include <boost/json/object.hpp>

#include <functional>
#include <string_view>
#include <unordered_map>

#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/http/router.hpp"
#include "cinestream/notifications/notification_repository.hpp"
#include "cinestream/store/async_store.hpp"

namespace cinestream::notifications {

struct NotificationsApiStore {
  NotificationRepository* notices = nullptr;
  catalog::FilmRepository* films = nullptr;
};

class NotificationsApi {
 public:
  NotificationsApi(Async<NotificationsApiStore> store,
                   std::function<bool(std::string_view)> known_city)
      : store_(store), known_city_(std::move(known_city)) {}
  void register_routes(http::Router& router);

 private:
  Async<NotificationsApiStore> store_;
  std::function<bool(std::string_view)> known_city_;
};

// One notice as the routes, the account export and a live connection show it:
// {"id":"12","kind":"now_playing","film_id":7,"city":"kyiv","title":{"original","en","uk","ru"},
//  "created_at":"2026-12-01T09:00:00Z","read":false}. `film` may be null (title fields empty).
boost::json::object notice_json(const Notice& n, const catalog::Film* film);
boost::json::object settings_json(const Settings& s);

}  // namespace cinestream::notifications
