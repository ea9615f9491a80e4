#include "cinestream/library/library_store.hpp"

#include <stdexcept>

#include "cinestream/store/module_migrations.hpp"
#include "library/mongo/mongo_library.hpp"
#include "library/sqlite/sqlite_library.hpp"

namespace cinestream::library {

std::string_view to_string(MarkKind k) {
  switch (k) {
    case MarkKind::watchlist:
      return "watchlist";
    case MarkKind::seen:
      return "seen";
    case MarkKind::hidden:
      return "hidden";
  }
  return "watchlist";
}

SchemaReport migrate_library(Database& db) {
  return migrate_module(db, "library", sqlite_backend::migrations(), mongo_backend::migrations());
}

std::unique_ptr<LibraryRepository> make_library_repository(Database& db) {
  if (auto* pool = db.sqlite()) return sqlite_backend::make_library_repository(*pool);
  if (auto* client = db.mongo()) return mongo_backend::make_library_repository(*client);
  throw std::invalid_argument("library: the database has neither SQLite nor MongoDB");
}

std::unique_ptr<InteractionRepository> make_interaction_repository(Database& db) {
  if (auto* pool = db.sqlite()) return sqlite_backend::make_interaction_repository(*pool);
  if (auto* client = db.mongo()) return mongo_backend::make_interaction_repository(*client);
  throw std::invalid_argument("library: the database has neither SQLite nor MongoDB");
}

}  // namespace cinestream::library
