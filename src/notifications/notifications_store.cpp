#include "cinestream/notifications/notifications_store.hpp"

#include <stdexcept>

#include "cinestream/store/module_migrations.hpp"
#include "notifications/mongo/mongo_notifications.hpp"
#include "notifications/sqlite/sqlite_notifications.hpp"

namespace cinestream::notifications {

SchemaReport migrate_notifications(Database& db) {
  return migrate_module(db, "notifications", sqlite_backend::migrations(),
                        mongo_backend::migrations());
}

std::unique_ptr<NotificationRepository> make_notification_repository(Database& db) {
  if (auto* pool = db.sqlite()) return sqlite_backend::make_notification_repository(*pool);
  if (auto* client = db.mongo()) return mongo_backend::make_notification_repository(*client);
  throw std::invalid_argument("notifications: the database has neither SQLite nor MongoDB");
}

}  // namespace cinestream::notifications
