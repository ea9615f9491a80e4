#include "store_setup.hpp"

#include <spdlog/spdlog.h>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/catalog/catalog_store.hpp"
#include "cinestream/library/library_store.hpp"
#include "cinestream/mail/outbox.hpp"
#include "cinestream/notifications/notifications_store.hpp"

namespace cinestream::cli {

std::unique_ptr<Database> open_migrated_store(const Config& config, std::size_t connections) {
  auto store = open_store({config.data_dir, config.mongo_uri, connections});
  auto report = store->ensure_schema();
  for (const auto& m : report.applied)
    spdlog::info("schema: applied migration {}: {}", m.version, m.name);
  if (!report.applied.empty()) spdlog::info("schema: version {} (was {})", report.to, report.from);
  // The features' own modules (each under its own name in schema_migrations), after the
  // platform's: the mail outbox first, since account writes queue mail.
  mail::migrate(*store);
  auto accounts = accounts::migrate_accounts(*store);
  for (const auto& m : accounts.applied)
    spdlog::info("schema: accounts: applied migration {}: {}", m.version, m.name);
  auto catalog = catalog::migrate_catalog(*store);
  for (const auto& m : catalog.applied)
    spdlog::info("schema: catalog: applied migration {}: {}", m.version, m.name);
  auto library = library::migrate_library(*store);
  for (const auto& m : library.applied)
    spdlog::info("schema: library: applied migration {}: {}", m.version, m.name);
  auto notifications = notifications::migrate_notifications(*store);
  for (const auto& m : notifications.applied)
    spdlog::info("schema: notifications: applied migration {}: {}", m.version, m.name);
  return store;
}

}  // namespace cinestream::cli
