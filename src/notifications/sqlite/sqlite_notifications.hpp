#pragma once
// The notifications module on SQLite.
#include <memory>
#include <span>

#include "cinestream/notifications/notification_repository.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::notifications::sqlite_backend {

std::span<const sqlite::Migration> migrations();
std::unique_ptr<NotificationRepository> make_notification_repository(sqlite::ConnectionPool& pool);

}  // namespace cinestream::notifications::sqlite_backend
