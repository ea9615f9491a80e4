#pragma once
// The library module on SQLite.
#include <memory>
#include <span>

#include "cinestream/library/interaction_repository.hpp"
#include "cinestream/library/library_repository.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::library::sqlite_backend {

std::span<const sqlite::Migration> migrations();
std::unique_ptr<LibraryRepository> make_library_repository(sqlite::ConnectionPool& pool);
std::unique_ptr<InteractionRepository> make_interaction_repository(sqlite::ConnectionPool& pool);

// Stored times are seconds since the epoch.
std::int64_t epoch_of(SysSeconds t);
SysSeconds time_of(std::int64_t s);

}  // namespace cinestream::library::sqlite_backend
