#include <filesystem>
#include <stdexcept>

#include "cinestream/store/database.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"

namespace cinestream {

std::unique_ptr<Database> open_store(const StoreOptions& options) {
  if (!options.mongo_uri.empty()) {
    // The database and credentials (authSource included) come from the URI, as in the original's
    // .env: mongodb://user:pass@127.0.0.1:27017/movie_db?authSource=admin
    return make_mongo_store({options.mongo_uri, "", options.max_connections});
  }
  std::filesystem::create_directories(options.data_dir);
  auto path = (std::filesystem::path(options.data_dir) / "cinestream.sqlite3").string();
  return make_sqlite_store(path, options.max_connections);
}

}  // namespace cinestream
