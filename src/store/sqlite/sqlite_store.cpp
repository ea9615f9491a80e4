// The embedded store: the "store" module's schema and migrations on one SQLite file, and the
// platform's repositories over one connection pool.
#include "cinestream/store/sqlite_store.hpp"

#include <iterator>
#include <memory>
#include <string>

#include "store/repository_database.hpp"
#include "store/sqlite/sqlite_common.hpp"

namespace cinestream {
namespace {

using sqlite::Connection;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS locations (
  id TEXT PRIMARY KEY,
  name_en TEXT NOT NULL, name_ua TEXT NOT NULL, name_ru TEXT NOT NULL,
  country_en TEXT NOT NULL, country_ua TEXT NOT NULL, country_ru TEXT NOT NULL,
  country_code TEXT NOT NULL,
  lat REAL NOT NULL, lon REAL NOT NULL, tz TEXT NOT NULL,
  population INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'stale',
  last_updated INTEGER,
  lock_owner TEXT NOT NULL DEFAULT '',
  lock_expires INTEGER,
  lock_source TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  data_version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS movies (
  id INTEGER PRIMARY KEY,
  city_id TEXT NOT NULL REFERENCES locations(id),
  title_key TEXT NOT NULL,
  title_en TEXT NOT NULL DEFAULT '', title_local TEXT NOT NULL DEFAULT '',
  title_ua TEXT NOT NULL DEFAULT '', title_ru TEXT NOT NULL DEFAULT '',
  description_en TEXT NOT NULL DEFAULT '', description_ua TEXT NOT NULL DEFAULT '',
  description_ru TEXT NOT NULL DEFAULT '',
  image_url TEXT NOT NULL DEFAULT '', image_path TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  UNIQUE (city_id, title_key)
);
CREATE TABLE IF NOT EXISTS theaters (
  id INTEGER PRIMARY KEY,
  city_id TEXT NOT NULL REFERENCES locations(id),
  name_key TEXT NOT NULL,
  address_key TEXT NOT NULL,
  name TEXT NOT NULL, address TEXT NOT NULL DEFAULT '', website TEXT NOT NULL DEFAULT '',
  UNIQUE (city_id, name_key, address_key)
);
CREATE TABLE IF NOT EXISTS showtimes (
  id INTEGER PRIMARY KEY,
  city_id TEXT NOT NULL,
  movie_id INTEGER NOT NULL REFERENCES movies(id) ON DELETE CASCADE,
  theater_id INTEGER NOT NULL REFERENCES theaters(id) ON DELETE CASCADE,
  start_utc INTEGER NOT NULL,
  format TEXT NOT NULL DEFAULT '', language TEXT NOT NULL DEFAULT '', hall TEXT NOT NULL DEFAULT '',
  UNIQUE (movie_id, theater_id, start_utc, format, language)
);
CREATE INDEX IF NOT EXISTS showtimes_by_city_start ON showtimes (city_id, start_utc);
CREATE TABLE IF NOT EXISTS stats (key TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS coverage (
  city_id TEXT NOT NULL, day TEXT NOT NULL, scraped_at INTEGER NOT NULL,
  PRIMARY KEY (city_id, day)
);
CREATE TABLE IF NOT EXISTS budget (
  day TEXT PRIMARY KEY, grounded_calls INTEGER NOT NULL DEFAULT 0,
  micro_usd INTEGER NOT NULL DEFAULT 0
);
)sql";

// The migrations, in order; each runs inside the transaction that records it. They are written to
// be harmless on a store whose objects already exist: files written before versions were recorded
// (0.1.0) have the baseline and usually the progress column, and are adopted without a row lost.
bool has_column(Connection& c, const char* table, std::string_view column) {
  auto cols = c.prepare("SELECT name FROM pragma_table_info(?1)");
  cols.bind(1, std::string_view(table));
  while (cols.step()) {
    if (cols.text(0) == column) return true;
  }
  return false;
}

constexpr sqlite::Migration kMigrations[] = {
    {1, "baseline: locations, movies, theaters, showtimes, stats, coverage, budget",
     [](Connection& c) { c.exec(kSchema); }},
    {2, "locations.progress: the running scrape's progress document",
     [](Connection& c) {
       if (!has_column(c, "locations", "progress")) {
         c.exec("ALTER TABLE locations ADD COLUMN progress TEXT NOT NULL DEFAULT ''");
       }
     }},
    {3, "name_aliases: spellings of cinemas and movies learned by scrapes",
     [](Connection& c) {
       c.exec(R"sql(
CREATE TABLE IF NOT EXISTS name_aliases (
  city_id TEXT NOT NULL, kind TEXT NOT NULL, alias_key TEXT NOT NULL, alias TEXT NOT NULL,
  name TEXT NOT NULL, learned_at INTEGER NOT NULL,
  PRIMARY KEY (city_id, kind, alias_key)
);
)sql");
     }},
    {4, "movies.film_id: the catalogue film a city's movie is (0 until linked)",
     [](Connection& c) {
       if (!has_column(c, "movies", "film_id"))
         c.exec("ALTER TABLE movies ADD COLUMN film_id INTEGER NOT NULL DEFAULT 0");
       c.exec("CREATE INDEX IF NOT EXISTS movies_by_film ON movies (film_id)");
     }},
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion,
              "every schema version has exactly one SQLite migration");

class SqliteStore final : private ConnectionHolder<sqlite::ConnectionPool>,
                          public RepositoryDatabase {
 public:
  SqliteStore(std::string path, std::size_t max_connections)
      : ConnectionHolder(std::move(path), max_connections),
        RepositoryDatabase(make_repositories(connections)) {}

  SchemaReport ensure_schema() override {
    return sqlite::migrate(connections, "store", kMigrations);
  }
  int schema_version() override { return sqlite::schema_version(connections, "store"); }

  void check_health() override {
    connections.with([](Connection& c) {
      auto st = c.prepare("SELECT count(*) FROM locations");
      st.step();
    });
  }

  sqlite::ConnectionPool* sqlite() override { return &connections; }
};

}  // namespace

std::unique_ptr<Database> make_sqlite_store(const std::string& path, std::size_t max_connections) {
  return std::make_unique<SqliteStore>(path, max_connections);
}

}  // namespace cinestream
