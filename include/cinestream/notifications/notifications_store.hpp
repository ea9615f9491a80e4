#pragma once
// The notifications module's repository on the configured backend and its schema (module
// "notifications").
#include <memory>

#include "cinestream/notifications/notification_repository.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/schema.hpp"

namespace cinestream::notifications {

inline constexpr int kNotificationsSchemaVersion = 1;

SchemaReport migrate_notifications(Database& db);
std::unique_ptr<NotificationRepository> make_notification_repository(Database& db);

}  // namespace cinestream::notifications
