#pragma once
// The embedded default store: SQLite in WAL mode under the data directory. Several server
// processes may share the file: writers take BEGIN IMMEDIATE and wait out each other's locks.
#include <cstddef>
#include <memory>
#include <string>

#include "cinestream/store/database.hpp"

namespace cinestream {

// `path` is the database file; `max_connections` bounds open connections (one per pool thread).
std::unique_ptr<Database> make_sqlite_store(const std::string& path, std::size_t max_connections);

}  // namespace cinestream
