#pragma once
// One opened store: the connection layer of its backend, the schema of the platform's module
// ("store"), and the repositories of the showtimes platform, one per aggregate. Consumers take
// only the repositories they use; a feature module builds its own repositories on the same
// connection layer (sqlite() or mongo()) and registers its own migrations under its module name
// (sqlite_db.hpp, mongo_db.hpp), so nothing here changes when a feature is added.
#include <cstddef>
#include <memory>
#include <string>

#include "cinestream/store/budget_repository.hpp"
#include "cinestream/store/coverage_repository.hpp"
#include "cinestream/store/errors.hpp"
#include "cinestream/store/film_link_repository.hpp"
#include "cinestream/store/location_repository.hpp"
#include "cinestream/store/name_alias_repository.hpp"
#include "cinestream/store/poster_repository.hpp"
#include "cinestream/store/schema.hpp"
#include "cinestream/store/scrape_lock_repository.hpp"
#include "cinestream/store/showtime_repository.hpp"
#include "cinestream/store/visit_repository.hpp"

namespace cinestream {

namespace sqlite {
class ConnectionPool;
}
namespace mongo {
class ClientPool;
}

// Whether the store answers; for /healthz, without handing out the whole Database.
class HealthCheck {
 public:
  virtual ~HealthCheck() = default;
  // Throws StoreUnavailable when the store cannot serve.
  virtual void check_health() = 0;
};

class Database : public HealthCheck {
 public:
  // Applies the numbered migrations of the "store" module that are not recorded yet (schema.hpp)
  // and returns what it did. Safe to run from several processes at once: each migration is
  // applied and recorded once. Throws SchemaTooNew when the store is newer than this binary.
  virtual SchemaReport ensure_schema() = 0;
  // The version of the "store" module recorded in the store; 0 before the first migration.
  virtual int schema_version() = 0;

  virtual LocationRepository& locations() = 0;
  virtual ShowtimeRepository& showtimes() = 0;
  virtual PosterRepository& posters() = 0;
  virtual ScrapeLockRepository& scrape_locks() = 0;
  virtual CoverageRepository& coverage() = 0;
  virtual BudgetRepository& budget() = 0;
  virtual VisitRepository& visits() = 0;
  virtual NameAliasRepository& name_aliases() = 0;
  virtual FilmLinkRepository& film_links() = 0;

  // The connection layer for a feature module's repositories: exactly one is non-null.
  virtual sqlite::ConnectionPool* sqlite() { return nullptr; }
  virtual mongo::ClientPool* mongo() { return nullptr; }
};

struct StoreOptions {
  std::string data_dir;
  std::string mongo_uri;  // empty: the embedded store
  std::size_t max_connections = 8;
};

// Chooses the backend from the options.
std::unique_ptr<Database> open_store(const StoreOptions& options);

}  // namespace cinestream
