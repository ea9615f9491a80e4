#pragma once
// Schema versions. Each backend carries one forward-only list of numbered migrations (the same
// numbers mean the same logical schema on both) and records the ones it applied in the store
// itself (SQLite: table `schema_migrations`; MongoDB: collection `schema_migrations`). Opening a
// store applies what is missing; a store recorded at a newer version than the binary knows is
// refused, because an old binary could corrupt data whose shape it does not know.
#include <stdexcept>
#include <string>
#include <vector>

namespace cinestream {

// The schema version this binary writes. Raise it with a new migration in both backends.
inline constexpr int kStoreSchemaVersion = 2;

// The store was written by a newer binary: start that binary (or a newer one) instead.
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
