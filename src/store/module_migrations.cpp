#include "cinestream/store/module_migrations.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace cinestream {
namespace {

template <class M>
void check_numbering(std::string_view module, std::span<const M> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      throw std::invalid_argument(
          fmt::format("migrations of {}: number {} is at position {}; expected 1..n in order",
                      module, migrations[i].version, i + 1));
    }
  }
}

}  // namespace

SchemaReport migrate_module(Database& db, std::string_view module,
                            std::span<const sqlite::Migration> sqlite_migrations,
                            std::span<const mongo::Migration> mongo_migrations) {
  if (sqlite_migrations.size() != mongo_migrations.size()) {
    throw std::invalid_argument(
        fmt::format("migrations of {}: {} for SQLite but {} for MongoDB; each version needs both",
                    module, sqlite_migrations.size(), mongo_migrations.size()));
  }
  check_numbering(module, sqlite_migrations);
  check_numbering(module, mongo_migrations);
  if (auto* pool = db.sqlite()) return sqlite::migrate(*pool, module, sqlite_migrations);
  if (auto* pool = db.mongo()) return mongo::migrate(*pool, module, mongo_migrations);
  throw std::logic_error("the database has no connection layer");
}

int module_schema_version(Database& db, std::string_view module) {
  if (auto* pool = db.sqlite()) return sqlite::schema_version(*pool, module);
  if (auto* pool = db.mongo()) return mongo::schema_version(*pool, module);
  throw std::logic_error("the database has no connection layer");
}

}  // namespace cinestream
