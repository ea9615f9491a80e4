#pragma once
// The catalog module on SQLite.
#include <memory>
#include <span>

#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream::catalog::sqlite_backend {

std::span<const sqlite::Migration> migrations();
std::unique_ptr<FilmRepository> make_film_repository(sqlite::ConnectionPool& pool);

}  // namespace cinestream::catalog::sqlite_backend
