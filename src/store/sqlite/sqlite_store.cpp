#include "cinestream/store/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "cinestream/text/normalize.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/store_keys.hpp"

namespace cinestream {
namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::WriteTransaction;

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
struct Migration {
  int version;
  const char* name;
  void (*apply)(Connection&);
};

bool has_column(Connection& c, const char* table, std::string_view column) {
  auto cols = c.prepare("SELECT name FROM pragma_table_info(?1)");
  cols.bind(1, std::string_view(table));
  while (cols.step()) {
    if (cols.text(0) == column) return true;
  }
  return false;
}

constexpr Migration kMigrations[] = {
    {1, "baseline: locations, movies, theaters, showtimes, stats, coverage, budget",
     [](Connection& c) { c.exec(kSchema); }},
    {2, "locations.progress: the running scrape's progress document",
     [](Connection& c) {
       if (!has_column(c, "locations", "progress")) {
         c.exec("ALTER TABLE locations ADD COLUMN progress TEXT NOT NULL DEFAULT ''");
       }
     }},
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion,
              "every schema version has exactly one SQLite migration");

int recorded_version(Connection& c) {
  auto st =
      c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations WHERE module = 'store'");
  return st.step() ? static_cast<int>(st.integer(0)) : 0;
}

constexpr const char* kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER NOT "
    "NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (module, version))";

std::int64_t epoch(SysSeconds t) {
  return t.time_since_epoch().count();
}
SysSeconds from_epoch(std::int64_t s) {
  return SysSeconds{std::chrono::seconds{s}};
}

LocationState read_state(const Statement& st) {
  LocationState s;
  s.city_id = st.text(0);
  s.status = parse_scrape_status(st.text(1)).value_or(ScrapeStatus::stale);
  if (!st.is_null(2)) s.last_updated = from_epoch(st.integer(2));
  s.lock_owner = st.text(3);
  if (!st.is_null(4)) s.lock_expires = from_epoch(st.integer(4));
  s.lock_source = st.text(5);
  s.error = st.text(6);
  s.data_version = st.integer(7);
  s.progress = st.text(8);
  return s;
}

using store_keys::canonical_format;
using store_keys::movie_key;
using store_keys::trim;

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::size_t max_connections)
      : path_(std::move(path)), max_connections_(std::max<std::size_t>(1, max_connections)) {}

  SchemaReport ensure_schema() override {
    return with([](Connection& c) {
      // BEGIN IMMEDIATE: processes starting together migrate one after the other; the later ones
      // find the versions recorded and apply nothing.
      WriteTransaction tx(c);
      c.exec(kMigrationsTable);
      SchemaReport report;
      report.from = recorded_version(c);
      if (report.from > kStoreSchemaVersion) throw SchemaTooNew(report.from, kStoreSchemaVersion);
      auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
      for (const auto& m : kMigrations) {
        if (m.version <= report.from) continue;
        m.apply(c);
        auto record = c.prepare(
            "INSERT INTO schema_migrations (module, version, name, applied_at) "
            "VALUES ('store', ?1, ?2, ?3)");
        record.bind(1, std::int64_t{m.version}).bind(2, std::string_view(m.name)).bind(3, now);
        record.run();
        report.applied.push_back({m.version, m.name});
      }
      report.to = kStoreSchemaVersion;
      tx.commit();
      return report;
    });
  }

  int schema_version() override {
    return with([](Connection& c) {
      auto exists = c.prepare(
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
      return exists.step() ? recorded_version(c) : 0;
    });
  }

  std::size_t seed_locations(const std::vector<Location>& locations) override {
    return with([&](Connection& c) {
      WriteTransaction tx(c);
      std::size_t inserted = 0;
      for (const auto& l : locations) {
        auto known = c.prepare("SELECT 1 FROM locations WHERE id = ?1");
        known.bind(1, l.id);
        if (!known.step()) ++inserted;
        auto st = c.prepare(
            "INSERT INTO locations (id, name_en, name_ua, name_ru, country_en, country_ua, "
            "country_ru, country_code, lat, lon, tz, population) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
            "ON CONFLICT (id) DO UPDATE SET name_en = ?2, name_ua = ?3, name_ru = ?4, "
            "country_en = ?5, country_ua = ?6, country_ru = ?7, country_code = ?8, lat = ?9, "
            "lon = ?10, tz = ?11, population = ?12");
        st.bind(1, l.id).bind(2, l.name.en).bind(3, l.name.ua).bind(4, l.name.ru);
        st.bind(5, l.country.en).bind(6, l.country.ua).bind(7, l.country.ru);
        st.bind(8, l.country_code).bind(9, l.geo.lat).bind(10, l.geo.lon).bind(11, l.tz);
        st.bind(12, l.population);
        st.run();
      }
      tx.commit();
      return inserted;
    });
  }

  std::vector<Location> locations() override {
    return with([](Connection& c) {
      auto st = c.prepare(
          "SELECT id, name_en, name_ua, name_ru, country_en, country_ua, country_ru, "
          "country_code, lat, lon, tz, population FROM locations ORDER BY rowid");
      std::vector<Location> out;
      while (st.step()) {
        Location l;
        l.id = st.text(0);
        l.name = {st.text(1), st.text(2), st.text(3)};
        l.country = {st.text(4), st.text(5), st.text(6)};
        l.country_code = st.text(7);
        l.geo = {st.real(8), st.real(9)};
        l.tz = st.text(10);
        l.population = st.integer(11);
        out.push_back(std::move(l));
      }
      return out;
    });
  }

  std::vector<LocationState> location_states() override {
    return with([](Connection& c) {
      auto st = c.prepare(
          "SELECT id, status, last_updated, lock_owner, lock_expires, lock_source, error, "
          "data_version, progress FROM locations ORDER BY rowid");
      std::vector<LocationState> out;
      while (st.step())
        out.push_back(read_state(st));
      return out;
    });
  }

  std::optional<LocationState> location_state(std::string_view city_id) override {
    return with([&](Connection& c) { return state_of(c, city_id); });
  }

  std::vector<Movie> movies_between(std::string_view city_id, SysSeconds from,
                                    SysSeconds to) override {
    return with([&](Connection& c) {
      // One read transaction so the rows are a consistent snapshot even while another process
      // merges.
      c.exec("BEGIN");
      struct EndRead {
        Connection& c;
        ~EndRead() {
          try {
            c.exec("COMMIT");
          } catch (...) {
          }
        }
      } end{c};
      auto st = c.prepare(
          "SELECT m.id, m.title_en, m.title_local, m.title_ua, m.title_ru, m.description_en, "
          "m.description_ua, m.description_ru, m.image_url, m.image_path, m.created_at, "
          "m.updated_at, t.id, t.name, t.address, t.website, s.start_utc, s.format, s.language, "
          "s.hall "
          "FROM showtimes s JOIN movies m ON m.id = s.movie_id JOIN theaters t ON t.id = "
          "s.theater_id "
          "WHERE s.city_id = ?1 AND s.start_utc >= ?2 AND s.start_utc < ?3 "
          "ORDER BY m.id, t.name, t.id, s.start_utc, s.format, s.language");
      st.bind(1, city_id).bind(2, epoch(from)).bind(3, epoch(to));
      std::vector<Movie> out;
      std::int64_t last_theater = -1;
      while (st.step()) {
        std::int64_t movie_id = st.integer(0);
        if (out.empty() || out.back().id != movie_id) {
          Movie m;
          m.id = movie_id;
          m.city_id = std::string(city_id);
          m.title = {st.text(1), st.text(2), st.text(3), st.text(4)};
          m.description = {st.text(5), st.text(6), st.text(7)};
          m.image_url = st.text(8);
          m.image_path = st.text(9);
          m.created_at = from_epoch(st.integer(10));
          m.updated_at = from_epoch(st.integer(11));
          out.push_back(std::move(m));
          last_theater = -1;
        }
        Movie& m = out.back();
        std::int64_t theater_id = st.integer(12);
        if (theater_id != last_theater) {
          m.theaters.push_back(Theater{st.text(13), st.text(14), st.text(15), {}});
          last_theater = theater_id;
        }
        m.theaters.back().showtimes.push_back(
            Showtime{from_epoch(st.integer(16)), st.text(17), st.text(18), st.text(19)});
      }
      std::sort(out.begin(), out.end(), [](const Movie& a, const Movie& b) {
        return movie_key(a.title) < movie_key(b.title);
      });
      return out;
    });
  }

  MergeStats merge_movies(std::string_view city_id, const std::vector<Movie>& movies,
                          SysSeconds now) override {
    return with([&](Connection& c) {
      WriteTransaction tx(c);
      if (!state_of(c, city_id)) throw std::invalid_argument("unknown city");
      auto stats = merge_in(c, city_id, movies, now);
      tx.commit();
      return stats;
    });
  }

  MergeStats merge_movies_fenced(std::string_view city_id, std::string_view owner,
                                 const std::vector<Movie>& movies, SysSeconds now) override {
    return with([&](Connection& c) {
      // The owner check and the merge share one IMMEDIATE transaction: no other writer (a lock
      // takeover included) can come between them.
      WriteTransaction tx(c);
      require_holder(c, city_id, owner);
      auto stats = merge_in(c, city_id, movies, now);
      tx.commit();
      return stats;
    });
  }

  void require_holder(Connection& c, std::string_view city_id, std::string_view owner) {
    auto st = c.prepare(
        "SELECT 1 FROM locations WHERE id = ?1 AND lock_owner = ?2 AND status = 'processing'");
    st.bind(1, city_id).bind(2, owner);
    if (owner.empty() || !st.step()) {
      throw LockLost(fmt::format("{} no longer holds the lock of {}", owner, city_id));
    }
  }

  MergeStats merge_in(Connection& c, std::string_view city_id, const std::vector<Movie>& movies,
                      SysSeconds now) {
    MergeStats stats;
    auto theaters = load_theaters(c, city_id);
    for (const auto& movie : movies) {
      std::string key = movie_key(movie.title);
      if (key.empty()) continue;
      std::int64_t movie_id = upsert_movie(c, city_id, key, movie, now, stats);
      for (const auto& theater : movie.theaters) {
        std::int64_t theater_id = find_or_add_theater(c, city_id, theater, theaters, stats);
        for (const auto& s : theater.showtimes) {
          auto st = c.prepare(
              "INSERT INTO showtimes (city_id, movie_id, theater_id, start_utc, format, "
              "language, hall) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING");
          st.bind(1, city_id).bind(2, movie_id).bind(3, theater_id).bind(4, epoch(s.start));
          st.bind(5, canonical_format(s.format)).bind(6, trim(s.language)).bind(7, trim(s.hall));
          st.run();
          if (c.changes() > 0) {
            ++stats.showtimes_added;
          } else {
            ++stats.showtimes_duplicate;
          }
        }
      }
    }
    if (stats.movies_added || stats.theaters_added || stats.showtimes_added) {
      bump_version(c, city_id);
    }
    return stats;
  }

  std::size_t prune_before(std::string_view city_id, SysSeconds cutoff) override {
    return with([&](Connection& c) {
      WriteTransaction tx(c);
      auto del = c.prepare("DELETE FROM showtimes WHERE city_id = ?1 AND start_utc < ?2");
      del.bind(1, city_id).bind(2, epoch(cutoff));
      del.run();
      auto removed = static_cast<std::size_t>(c.changes());
      auto orphans = c.prepare(
          "DELETE FROM movies WHERE city_id = ?1 AND NOT EXISTS "
          "(SELECT 1 FROM showtimes s WHERE s.movie_id = movies.id)");
      orphans.bind(1, city_id);
      orphans.run();
      if (removed > 0 || c.changes() > 0) bump_version(c, city_id);
      tx.commit();
      return removed;
    });
  }

  LockResult try_lock_city(std::string_view city_id, std::string_view owner,
                           std::string_view source, std::chrono::seconds lease,
                           SysSeconds now) override {
    return with([&](Connection& c) {
      WriteTransaction tx(c);
      auto st = c.prepare(
          "UPDATE locations SET status = 'processing', lock_owner = ?2, lock_expires = ?3, "
          "lock_source = ?4, error = '', progress = '' WHERE id = ?1 AND (status != 'processing' "
          "OR "
          "lock_expires IS NULL OR lock_expires <= ?5)");
      st.bind(1, city_id).bind(2, owner).bind(3, epoch(now + lease)).bind(4, source);
      st.bind(5, epoch(now));
      st.run();
      bool acquired = c.changes() == 1;
      auto state = state_of(c, city_id);
      tx.commit();
      if (!state) return LockResult{LockOutcome::unknown_city, {}};
      return LockResult{acquired ? LockOutcome::acquired : LockOutcome::held, *state};
    });
  }

  bool renew_city_lock(std::string_view city_id, std::string_view owner, std::chrono::seconds lease,
                       SysSeconds now) override {
    return with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE locations SET lock_expires = ?3 WHERE id = ?1 AND lock_owner = ?2 AND "
          "status = 'processing'");
      st.bind(1, city_id).bind(2, owner).bind(3, epoch(now + lease));
      st.run();
      return c.changes() == 1;
    });
  }

  bool release_city_lock(std::string_view city_id, std::string_view owner,
                         ScrapeStatus final_status, std::string_view error,
                         SysSeconds now) override {
    return with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE locations SET status = ?3, error = ?4, lock_owner = '', lock_expires = NULL, "
          "data_version = data_version + 1, lock_source = '', last_updated = CASE WHEN ?3 = "
          "'fresh' THEN ?5 ELSE last_updated "
          "END WHERE id = ?1 AND lock_owner = ?2 AND status = 'processing'");
      st.bind(1, city_id).bind(2, owner).bind(3, to_string(final_status)).bind(4, error);
      st.bind(5, epoch(now));
      st.run();
      return c.changes() == 1;
    });
  }

  std::vector<std::string> expire_lapsed_locks(SysSeconds now) override {
    return with([&](Connection& c) {
      WriteTransaction tx(c);
      auto st = c.prepare(
          "UPDATE locations SET status = 'stale', lock_owner = '', lock_expires = NULL, "
          "lock_source = '', error = 'lock lease lapsed', data_version = data_version + 1 "
          "WHERE status = 'processing' AND (lock_expires IS NULL OR lock_expires <= ?1) "
          "RETURNING id");
      st.bind(1, epoch(now));
      std::vector<std::string> ids;
      while (st.step())
        ids.push_back(st.text(0));
      tx.commit();
      return ids;
    });
  }

  std::vector<std::string> covered_days(std::string_view city_id, std::string_view from_day,
                                        std::string_view to_day) override {
    return with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT day FROM coverage WHERE city_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day");
      st.bind(1, city_id).bind(2, from_day).bind(3, to_day);
      std::vector<std::string> days;
      while (st.step())
        days.push_back(st.text(0));
      return days;
    });
  }

  void mark_covered_fenced(std::string_view city_id, std::string_view owner,
                           const std::vector<std::string>& days, SysSeconds now) override {
    with([&](Connection& c) {
      WriteTransaction tx(c);
      require_holder(c, city_id, owner);
      cover_in(c, city_id, days, now);
      tx.commit();
    });
  }

  void mark_covered(std::string_view city_id, const std::vector<std::string>& days,
                    SysSeconds now) override {
    with([&](Connection& c) {
      WriteTransaction tx(c);
      cover_in(c, city_id, days, now);
      tx.commit();
    });
  }

  void cover_in(Connection& c, std::string_view city_id, const std::vector<std::string>& days,
                SysSeconds now) {
    for (const auto& d : days) {
      auto st = c.prepare(
          "INSERT INTO coverage (city_id, day, scraped_at) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (city_id, day) DO UPDATE SET scraped_at = ?3");
      st.bind(1, city_id).bind(2, d).bind(3, epoch(now));
      st.run();
    }
  }

  void prune_coverage(std::string_view city_id, std::string_view before_day) override {
    with([&](Connection& c) {
      auto st = c.prepare("DELETE FROM coverage WHERE city_id = ?1 AND day < ?2");
      st.bind(1, city_id).bind(2, before_day);
      st.run();
    });
  }

  bool set_progress(std::string_view city_id, std::string_view owner,
                    std::string_view progress_json) override {
    return with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE locations SET progress = ?3 WHERE id = ?1 AND lock_owner = ?2 AND "
          "status = 'processing'");
      st.bind(1, city_id).bind(2, owner).bind(3, progress_json);
      st.run();
      return c.changes() == 1;
    });
  }

  bool charge_budget(std::string_view day, std::int64_t grounded_calls, std::int64_t micro_usd,
                     std::int64_t max_grounded_calls, std::int64_t max_micro_usd) override {
    return with([&](Connection& c) {
      WriteTransaction tx(c);
      auto ensure = c.prepare("INSERT INTO budget (day) VALUES (?1) ON CONFLICT (day) DO NOTHING");
      ensure.bind(1, day);
      ensure.run();
      auto st = c.prepare(
          "UPDATE budget SET grounded_calls = grounded_calls + ?2, micro_usd = micro_usd + ?3 "
          "WHERE day = ?1 AND grounded_calls + ?2 <= ?4 AND micro_usd + ?3 <= ?5");
      st.bind(1, day).bind(2, grounded_calls).bind(3, micro_usd).bind(4, max_grounded_calls);
      st.bind(5, max_micro_usd);
      st.run();
      bool ok = c.changes() == 1;
      tx.commit();
      return ok;
    });
  }

  BudgetUse budget_used(std::string_view day) override {
    return with([&](Connection& c) {
      auto st = c.prepare("SELECT grounded_calls, micro_usd FROM budget WHERE day = ?1");
      st.bind(1, day);
      BudgetUse u;
      if (st.step()) u = {st.integer(0), st.integer(1)};
      return u;
    });
  }

  std::vector<Theater> theaters(std::string_view city_id) override {
    return with([&](Connection& c) {
      auto st =
          c.prepare("SELECT name, address, website FROM theaters WHERE city_id = ?1 ORDER BY id");
      st.bind(1, city_id);
      std::vector<Theater> out;
      while (st.step())
        out.push_back(Theater{st.text(0), st.text(1), st.text(2), {}});
      return out;
    });
  }

  void set_movie_poster(std::int64_t movie_id, std::string_view image_path) override {
    with([&](Connection& c) {
      WriteTransaction tx(c);
      auto st = c.prepare("UPDATE movies SET image_path = ?2 WHERE id = ?1 RETURNING city_id");
      st.bind(1, movie_id).bind(2, image_path);
      std::string city;
      if (st.step()) city = st.text(0);
      st.run();
      if (!city.empty()) bump_version(c, city);
      tx.commit();
    });
  }

  void add_visits(std::int64_t n) override {
    if (n <= 0) return;
    with([&](Connection& c) {
      auto st = c.prepare(
          "INSERT INTO stats (key, count) VALUES ('visitor_counter', ?1) "
          "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count");
      st.bind(1, n);
      st.run();
    });
  }

  std::int64_t visits() override {
    return with([](Connection& c) {
      auto st = c.prepare("SELECT count FROM stats WHERE key = 'visitor_counter'");
      return st.step() ? st.integer(0) : std::int64_t{0};
    });
  }

  void check_health() override {
    with([](Connection& c) {
      auto st = c.prepare("SELECT count(*) FROM locations");
      st.step();
    });
  }

 private:
  struct TheaterRow {
    std::int64_t id;
    std::string name_key;
    std::string address_key;
  };

  // Runs fn with a pooled connection; opens one if fewer than max_connections exist.
  template <class F>
  std::invoke_result_t<F&, Connection&> with(F&& fn) {
    std::unique_ptr<Connection> conn;
    {
      std::unique_lock lock(mutex_);
      available_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
      }
    }
    if (!conn) {
      try {
        conn = std::make_unique<Connection>(path_);
      } catch (...) {
        std::lock_guard lock(mutex_);
        --open_;
        available_.notify_one();
        throw;
      }
    }
    struct Return {
      SqliteStore& self;
      std::unique_ptr<Connection>& conn;
      ~Return() {
        std::lock_guard lock(self.mutex_);
        self.idle_.push_back(std::move(conn));
        self.available_.notify_one();
      }
    } give_back{*this, conn};
    return fn(*conn);
  }

  static std::optional<LocationState> state_of(Connection& c, std::string_view city_id) {
    auto st = c.prepare(
        "SELECT id, status, last_updated, lock_owner, lock_expires, lock_source, error, "
        "data_version, progress FROM locations WHERE id = ?1");
    st.bind(1, city_id);
    if (!st.step()) return std::nullopt;
    return read_state(st);
  }

  static void bump_version(Connection& c, std::string_view city_id) {
    auto st = c.prepare("UPDATE locations SET data_version = data_version + 1 WHERE id = ?1");
    st.bind(1, city_id);
    st.run();
  }

  static std::vector<TheaterRow> load_theaters(Connection& c, std::string_view city_id) {
    auto st =
        c.prepare("SELECT id, name_key, address_key FROM theaters WHERE city_id = ?1 ORDER BY id");
    st.bind(1, city_id);
    std::vector<TheaterRow> rows;
    while (st.step())
      rows.push_back({st.integer(0), st.text(1), st.text(2)});
    return rows;
  }

  // A theater matches on its normalised name and, when both sides know it, its address.
  static std::int64_t find_or_add_theater(Connection& c, std::string_view city_id, const Theater& t,
                                          std::vector<TheaterRow>& known, MergeStats& stats) {
    std::string name_key = normalize_key(t.name);
    std::string address_key = normalize_key(t.address);
    for (auto& row : known) {
      if (row.name_key != name_key) continue;
      if (row.address_key == address_key || row.address_key.empty() || address_key.empty()) {
        if (row.address_key.empty() && !address_key.empty()) {
          auto up = c.prepare(
              "UPDATE theaters SET address = ?2, address_key = ?3 WHERE id = ?1 AND "
              "NOT EXISTS (SELECT 1 FROM theaters WHERE city_id = ?4 AND name_key = ?5 AND "
              "address_key = ?3)");
          up.bind(1, row.id).bind(2, trim(t.address)).bind(3, address_key).bind(4, city_id);
          up.bind(5, name_key);
          up.run();
          // The row now has this address: later theaters of this merge must see it, or one with
          // yet another address would match the row again and move it there.
          if (c.changes() > 0) row.address_key = address_key;
        }
        if (!t.website.empty()) {
          auto web = c.prepare("UPDATE theaters SET website = ?2 WHERE id = ?1 AND website = ''");
          web.bind(1, row.id).bind(2, trim(t.website));
          web.run();
        }
        return row.id;
      }
    }
    auto ins = c.prepare(
        "INSERT INTO theaters (city_id, name_key, address_key, name, address, website) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    ins.bind(1, city_id).bind(2, name_key).bind(3, address_key).bind(4, trim(t.name));
    ins.bind(5, trim(t.address)).bind(6, trim(t.website));
    ins.run();
    std::int64_t id = c.last_insert_id();
    known.push_back({id, name_key, address_key});
    ++stats.theaters_added;
    return id;
  }

  // Inserts the movie or fills the fields the stored one lacks; never blanks a known field.
  static std::int64_t upsert_movie(Connection& c, std::string_view city_id, const std::string& key,
                                   const Movie& m, SysSeconds now, MergeStats& stats) {
    auto find = c.prepare("SELECT id FROM movies WHERE city_id = ?1 AND title_key = ?2");
    find.bind(1, city_id).bind(2, key);
    if (find.step()) {
      std::int64_t id = find.integer(0);
      auto up = c.prepare(
          "UPDATE movies SET "
          "title_en = CASE WHEN title_en = '' THEN ?2 ELSE title_en END, "
          "title_local = CASE WHEN title_local = '' THEN ?3 ELSE title_local END, "
          "title_ua = CASE WHEN title_ua = '' THEN ?4 ELSE title_ua END, "
          "title_ru = CASE WHEN title_ru = '' THEN ?5 ELSE title_ru END, "
          "description_en = CASE WHEN description_en = '' THEN ?6 ELSE description_en END, "
          "description_ua = CASE WHEN description_ua = '' THEN ?7 ELSE description_ua END, "
          "description_ru = CASE WHEN description_ru = '' THEN ?8 ELSE description_ru END, "
          "image_url = CASE WHEN image_url = '' THEN ?9 ELSE image_url END, "
          "image_path = CASE WHEN ?10 != '' THEN ?10 ELSE image_path END, "
          "updated_at = ?11 WHERE id = ?1");
      up.bind(1, id).bind(2, trim(m.title.en)).bind(3, trim(m.title.local));
      up.bind(4, trim(m.title.ua)).bind(5, trim(m.title.ru)).bind(6, m.description.en);
      up.bind(7, m.description.ua).bind(8, m.description.ru).bind(9, m.image_url);
      up.bind(10, m.image_path).bind(11, epoch(now));
      up.run();
      return id;
    }
    auto ins = c.prepare(
        "INSERT INTO movies (city_id, title_key, title_en, title_local, title_ua, title_ru, "
        "description_en, description_ua, description_ru, image_url, image_path, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
    ins.bind(1, city_id).bind(2, key).bind(3, trim(m.title.en)).bind(4, trim(m.title.local));
    ins.bind(5, trim(m.title.ua)).bind(6, trim(m.title.ru)).bind(7, m.description.en);
    ins.bind(8, m.description.ua).bind(9, m.description.ru).bind(10, m.image_url);
    ins.bind(11, m.image_path).bind(12, epoch(now));
    ins.run();
    ++stats.movies_added;
    return c.last_insert_id();
  }

  std::string path_;
  std::size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const std::string& path, std::size_t max_connections) {
  return std::make_unique<SqliteStore>(path, max_connections);
}

}  // namespace cinestream
