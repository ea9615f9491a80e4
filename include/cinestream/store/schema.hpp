#pragma once
// Schema versions, per module. A module (the platform's "store", later "accounts", ...) carries
// one forward-only list of numbered migrations per backend (the same numbers mean the same logical
// schema on both) and the store records the ones applied under the module's name (SQLite: table
// `schema_migrations`; MongoDB: collection `schema_migrations`). Opening a store applies what is
// missing; a module recorded at a newer version than the binary knows is refused, because an old
// binary could corrupt data whose shape it does not know. The mechanism is in sqlite_db.hpp and
// mongo_db.hpp; module_migrations.hpp applies a feature module's lists on the configured backend.
#include <stdexcept>
#include <string>
#include <vector>

namespace cinestream {

// The version of the "store" module this binary writes. Raise it with a new migration in both
// backends (src/store/sqlite/sqlite_store.cpp, src/store/mongo/mongo_store.cpp).
inline constexpr int kStoreSchemaVersion = 4;

// The store (one of its modules) was written by a newer binary: start that binary (or a newer
// one) instead.
class SchemaTooNew : public std::runtime_error {
 public:
  SchemaTooNew(int found, int known);
  int found() const { return found_; }
  int known() const { return known_; }

 private:
  int found_;
  int known_;
};

struct MigrationRecord {
  int version = 0;
  std::string name;
};

// What opening the store did: the version before, after, and the migrations applied by this call
// (empty when another process had already applied them).
struct SchemaReport {
  int from = 0;
  int to = 0;
  std::vector<MigrationRecord> applied;
};

}  // namespace cinestream
