#include "cinestream/catalog/catalog_store.hpp"

#include <stdexcept>

#include "catalog/mongo/mongo_catalog.hpp"
#include "catalog/sqlite/sqlite_catalog.hpp"
#include "cinestream/store/module_migrations.hpp"

namespace cinestream::catalog {

SchemaReport migrate_catalog(Database& db) {
  return migrate_module(db, "catalog", sqlite_backend::migrations(), mongo_backend::migrations());
}

std::unique_ptr<FilmRepository> make_film_repository(Database& db) {
  if (auto* pool = db.sqlite()) return sqlite_backend::make_film_repository(*pool);
  if (auto* client = db.mongo()) return mongo_backend::make_film_repository(*client);
  throw std::invalid_argument("catalog: the database has neither SQLite nor MongoDB");
}

}  // namespace cinestream::catalog
