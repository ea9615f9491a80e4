#include <filesystem>
#include <stdexcept>

#include "cinestream/store/sqlite_store.hpp"
#include "cinestream/store/store.hpp"

namespace cinestream {

std::unique_ptr<Store> open_store(const StoreOptions& options) {
  if (!options.mongo_uri.empty()) {
    // The MongoDB backend is its own issue; refuse clearly rather than silently use SQLite.
    throw std::invalid_argument(
        "MONGO_URI: the MongoDB backend is not part of this build yet; unset MONGO_URI to use "
        "the embedded store");
  }
  std::filesystem::create_directories(options.data_dir);
  auto path = (std::filesystem::path(options.data_dir) / "cinestream.sqlite3").string();
  return make_sqlite_store(path, options.max_connections);
}

}  // namespace cinestream
