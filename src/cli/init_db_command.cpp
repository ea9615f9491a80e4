#include <spdlog/spdlog.h>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/cli/commands.hpp"
#include "cinestream/store/database.hpp"
#include "store_setup.hpp"

namespace cinestream::cli {

int init_db(const Config& config) {
  auto store = open_migrated_store(config, 1);
  auto locations = bundled_locations();
  CityCatalog check(locations);  // refuses unknown time zones before anything is written
  auto inserted = store->locations().seed_locations(locations);
  // The URI may hold credentials: name the backend, not the URI.
  spdlog::info("init-db: schema version {} in {}; {} locations ({} new)", kStoreSchemaVersion,
               config.mongo_uri.empty() ? config.data_dir : std::string("MongoDB"),
               locations.size(), inserted);
  return 0;
}

}  // namespace cinestream::cli
