#pragma once
// The catalog module's repositories on the configured backend and its schema (module "catalog",
// numbered migrations on both backends).
#include <memory>

#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/schema.hpp"

namespace cinestream::catalog {

inline constexpr int kCatalogSchemaVersion = 2;

// Blocking: at start-up and in tools.
SchemaReport migrate_catalog(Database& db);
std::unique_ptr<FilmRepository> make_film_repository(Database& db);

}  // namespace cinestream::catalog
