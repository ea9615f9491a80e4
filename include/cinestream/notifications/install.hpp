#pragma once
// The notifications feature installed into the process: its schema is migrated at start-up by the
// composition root (migrate_notifications); here its routes, its part of an account's export and
// deletion, its metrics, and the notifier (every process runs one; the store's claims make each
// notice and digest exactly once).
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "cinestream/accounts/account_service.hpp"
#include "cinestream/app/app.hpp"
#include "cinestream/notifications/live_notices.hpp"
#include "cinestream/notifications/notice_hub.hpp"
#include "cinestream/notifications/notifier.hpp"

namespace cinestream::notifications {

struct NotificationsFeature {
  NotifierOptions notifier;
  LiveNoticesOptions live;
  bool run_notifier = true;
  // A city id is valid when this says so (the cities catalogue); unset: any non-empty id.
  std::function<bool(std::string_view)> known_city;
};

struct NotificationsInstalled {
  NoticeHub& hub;
  Notifier& notifier;
  NotificationRepository& repository;  // since(user, after_id) for live pages; db pool only
};

NotificationsInstalled install(App& app, accounts::AccountService& accounts,
                               NotificationsFeature feature);

}  // namespace cinestream::notifications
