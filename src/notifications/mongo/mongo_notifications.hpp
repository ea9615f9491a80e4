#pragma once
// The notifications module on MongoDB.
#include <memory>
#include <span>

#include "cinestream/notifications/notification_repository.hpp"
#include "cinestream/store/mongo_db.hpp"

namespace cinestream::notifications::mongo_backend {

std::span<const mongo::Migration> migrations();
std::unique_ptr<NotificationRepository> make_notification_repository(mongo::ClientPool& pool);

}  // namespace cinestream::notifications::mongo_backend
