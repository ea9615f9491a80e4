#pragma once
// A feature module's schema on the configured backend: the module gives its numbered migrations
// for both backends (the same numbers mean the same logical schema on both) and they are applied
// and recorded under its own name in schema_migrations, beside the platform's "store" module.
#include <span>
#include <string_view>

#include "cinestream/store/database.hpp"
#include "cinestream/store/mongo_db.hpp"
#include "cinestream/store/schema.hpp"
#include "cinestream/store/sqlite_db.hpp"

namespace cinestream {

// Throws std::invalid_argument when the two lists differ in length or are not numbered 1..n, and
// SchemaTooNew when the store records the module at a newer version than given.
SchemaReport migrate_module(Database& db, std::string_view module,
                            std::span<const sqlite::Migration> sqlite_migrations,
                            std::span<const mongo::Migration> mongo_migrations);
// The module's recorded version on the configured backend; 0 before its first migration.
int module_schema_version(Database& db, std::string_view module);

}  // namespace cinestream
