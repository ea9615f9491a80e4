#include "store_setup.hpp"

#include <spdlog/spdlog.h>

#include "cinestream/mail/outbox.hpp"

namespace cinestream::cli {

std::unique_ptr<Database> open_migrated_store(const Config& config, std::size_t connections) {
  auto store = open_store({config.data_dir, config.mongo_uri, connections});
  auto report = store->ensure_schema();
  for (const auto& m : report.applied)
    spdlog::info("schema: applied migration {}: {}", m.version, m.name);
  if (!report.applied.empty()) spdlog::info("schema: version {} (was {})", report.to, report.from);
  // The features' own modules, after the platform's.
  mail::migrate(*store);
  return store;
}

}  // namespace cinestream::cli
