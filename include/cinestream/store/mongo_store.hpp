#pragma once
// The MongoDB backend (production): the original CineStream's collections (docs/data-model.md)
// through a libmongoc client pool. Every call blocks and must run on the blocking pool; the pool is
// created by make_mongo_store, so call it in the process that uses it (after fork, in a worker).
#include <memory>
#include <string>

#include "cinestream/store/database.hpp"

namespace cinestream {

struct MongoStoreOptions {
  std::string uri;       // mongodb://user:pass@host:27017/movie_db?authSource=admin
  std::string database;  // empty: the URI's database, else "cinestream"
  // Blocking threads that may use the store at once; the client pool holds at least this many
  // clients so no call ever waits for one.
  std::size_t max_connections = 8;
};

// Throws std::invalid_argument for a malformed URI; connection problems surface on first use as
// StoreUnavailable.
std::unique_ptr<Database> make_mongo_store(const MongoStoreOptions& options);

}  // namespace cinestream
