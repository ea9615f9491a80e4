#pragma once
// The library module on SQLite.
#include <memory>
#include <span>

#include "cinestream/library/library_repository.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::library::sqlite_backend {

std::span<const sqlite::Migration> migrations();
std::unique_ptr<LibraryRepository> make_library_repository(sqlite::ConnectionPool& pool);

}  // namespace cinestream::library::sqlite_backend
