// The MongoDB backend. Semantics are those of the embedded store (src/store/sqlite), held to the
// same conformance suite; the layout is the original CineStream's (docs/data-model.md).
//
// Concurrency between processes: single-document atomic operations only (no transactions, so a
// standalone server works). The city lock, renewals, progress and the budget are filtered updates
// whose match counts are checked; a movie is changed by a compare-and-set on its `rev` field that
// sets or pushes only the changed paths, and retried on a conflict.
#include "cinestream/store/mongo_store.hpp"

#include <fmt/format.h>
#include <mongoc/mongoc.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <tuple>

#include "cinestream/text/normalize.hpp"
#include "store/mongo/bson_doc.hpp"
#include "store/store_keys.hpp"

namespace cinestream {
namespace {

using mongo::Doc;
using store_keys::canonical_format;
using store_keys::movie_key;
using store_keys::trim;

constexpr std::int64_t kMovieTtlSeconds = 90LL * 24 * 3600;  // the original's 90-day TTL
constexpr int kMaxConflictRetries = 16;

// A unique index refused a write: another process inserted the same key first.
class DuplicateKey : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool is_duplicate_key(const bson_error_t& e) {
  return e.code == 11000 || e.code == 11001;
}

// Server states that mean "try again later" rather than a bug in the request.
bool is_transient_server_code(std::uint32_t code) {
  switch (code) {
    case 6:      // HostUnreachable
    case 7:      // HostNotFound
    case 18:     // AuthenticationFailed
    case 89:     // NetworkTimeout
    case 91:     // ShutdownInProgress
    case 189:    // PrimarySteppedDown
    case 262:    // ExceededTimeLimit
    case 9001:   // SocketException
    case 10107:  // NotWritablePrimary
    case 11600:  // InterruptedAtShutdown
    case 11602:  // InterruptedDueToReplStateChange
    case 13435:  // NotPrimaryNoSecondaryOk
    case 13436:  // NotPrimaryOrSecondary
      return true;
    default:
      return false;
  }
}

// Maps a libmongoc error to the store's exceptions: unreachable or unhealthy servers are
// StoreUnavailable (the API's 503); a duplicate key is handled by the caller; anything else is a
// failed request.
[[noreturn]] void fail(const char* what, const bson_error_t& e) {
  std::string msg =
      fmt::format("mongodb {}: {} (domain {}, code {})", what, e.message, e.domain, e.code);
  if (is_duplicate_key(e)) throw DuplicateKey(msg);
  if (e.domain == MONGOC_ERROR_STREAM || e.domain == MONGOC_ERROR_SERVER_SELECTION ||
      e.domain == MONGOC_ERROR_CLIENT || e.domain == MONGOC_ERROR_WRITE_CONCERN ||
      e.domain == MONGOC_ERROR_PROTOCOL || is_transient_server_code(e.code)) {
    throw StoreUnavailable(msg);
  }
  throw std::runtime_error(msg);
}

std::string database_of(const MongoStoreOptions& o, const mongoc_uri_t* uri) {
  if (!o.database.empty()) return o.database;
  const char* db = mongoc_uri_get_database(uri);
  return db && *db ? db : "cinestream";
}

// Sets a timeout option unless the URI names it: libmongoc's defaults (30 s to select a server,
// 5 min per socket read) would hold a request far longer than a 503 should take.
void default_timeout(mongoc_uri_t* uri, const char* option, std::int32_t ms) {
  if (!mongoc_uri_has_option(uri, option)) mongoc_uri_set_option_as_int32(uri, option, ms);
}

struct TheaterRow {
  bson_oid_t id;
  std::string name_key;
  std::string address_key;
  std::string name;
  std::string address;
  std::string website;
};

// One showtime's identity within a movie and theater.
using ShowKey = std::tuple<std::int64_t, std::string, std::string>;  // start ms, format, language

struct StoredShowtime {
  std::int64_t start_ms = 0;
  std::string format;
  std::string language;
  std::string hall;
};

struct StoredTheater {
  bson_oid_t id{};
  std::string name;
  std::string address;
  std::string website;
  std::vector<StoredShowtime> showtimes;
};

struct StoredMovie {
  bson_oid_t oid{};
  std::int64_t rev = 0;
  Movie movie;
  std::vector<StoredTheater> theaters;
};

std::vector<StoredTheater> read_theaters(const bson_t* d) {
  std::vector<StoredTheater> out;
  mongo::for_each_doc(d, "theaters", [&](const bson_t* t) {
    StoredTheater st;
    if (auto id = mongo::oid_at(t, "theater_id")) st.id = *id;
    st.name = mongo::str_at(t, "name");
    st.address = mongo::str_at(t, "address");
    st.website = mongo::str_at(t, "website");
    mongo::for_each_doc(t, "showtimes", [&](const bson_t* s) {
      StoredShowtime sh;
      bson_iter_t it;
      if (mongo::find(s, "start_time", it) && BSON_ITER_HOLDS_DATE_TIME(&it))
        sh.start_ms = bson_iter_date_time(&it);
      sh.format = mongo::str_at(s, "format");
      sh.language = mongo::str_at(s, "language");
      sh.hall = mongo::str_at(s, "hall");
      st.showtimes.push_back(std::move(sh));
    });
    out.push_back(std::move(st));
  });
  return out;
}

StoredMovie read_movie(const bson_t* d) {
  StoredMovie m;
  if (auto id = mongo::oid_at(d, "_id")) m.oid = *id;
  m.rev = mongo::int_at(d, "rev");
  m.movie.id = mongo::int_at(d, "movie_id");
  m.movie.city_id = mongo::str_at(d, "city_id");
  m.movie.title = {mongo::str_at(d, "title.en"), mongo::str_at(d, "title.local"),
                   mongo::str_at(d, "title.ua"), mongo::str_at(d, "title.ru")};
  m.movie.description = {mongo::str_at(d, "description.en"), mongo::str_at(d, "description.ua"),
                         mongo::str_at(d, "description.ru")};
  m.movie.image_url = mongo::str_at(d, "image_url");
  m.movie.image_path = mongo::str_at(d, "image_path");
  m.movie.created_at = mongo::date_at(d, "created_at").value_or(SysSeconds{});
  m.movie.updated_at = mongo::date_at(d, "updated_at").value_or(SysSeconds{});
  m.theaters = read_theaters(d);
  return m;
}

void append_showtime(Doc& arr, const StoredShowtime& s) {
  Doc d;
  bson_append_date_time(d.get(), "start_time", -1, s.start_ms);
  d.str("format", s.format).str("language", s.language).str("hall", s.hall);
  arr.push(d);
}

void build_theater(Doc& d, const StoredTheater& t) {
  Doc shows;
  for (const auto& s : t.showtimes)
    append_showtime(shows, s);
  d.oid("theater_id", t.id).str("name", t.name).str("address", t.address);
  d.str("website", t.website).array("showtimes", shows);
}

// A stable numeric id for the API (posters, calendar links): FNV-1a of the city and title key,
// kept positive and non-zero. A unique index on movie_id turns a collision into an error.
std::int64_t movie_id_for(std::string_view city_id, std::string_view key) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(city_id);
  mix(std::string_view("\0", 1));
  mix(key);
  return static_cast<std::int64_t>(h & 0x3fffffffffffffffULL) + 1;
}

LocationState read_state(const bson_t* d) {
  LocationState s;
  s.city_id = mongo::str_at(d, "city_id");
  s.status = parse_scrape_status(mongo::str_at(d, "status")).value_or(ScrapeStatus::stale);
  s.last_updated = mongo::date_at(d, "last_updated");
  s.lock_owner = mongo::str_at(d, "lock_owner");
  s.lock_expires = mongo::date_at(d, "lock_expires");
  s.lock_source = mongo::str_at(d, "lock_source");
  s.error = mongo::str_at(d, "error");
  s.progress = mongo::str_at(d, "progress");
  s.data_version = mongo::int_at(d, "data_version");
  return s;
}

Location read_location(const bson_t* d) {
  Location l;
  l.id = mongo::str_at(d, "city_id");
  l.name = {mongo::str_at(d, "name.en"), mongo::str_at(d, "name.ua"), mongo::str_at(d, "name.ru")};
  l.country = {mongo::str_at(d, "country.en"), mongo::str_at(d, "country.ua"),
               mongo::str_at(d, "country.ru")};
  l.country_code = mongo::str_at(d, "country_code");
  l.geo.lon = mongo::dbl_at(d, "geo.coordinates.0");
  l.geo.lat = mongo::dbl_at(d, "geo.coordinates.1");
  l.tz = mongo::str_at(d, "tz");
  l.population = mongo::int_at(d, "population");
  return l;
}

// The filter of a lock that may be taken: not processing, or its lease lapsed.
void append_lock_free(Doc& filter, SysSeconds now) {
  Doc or_list;
  {
    Doc a;
    Doc ne;
    ne.str("$ne", "processing");
    a.doc("status", ne);
    or_list.push(a);
  }
  {
    Doc b;
    b.null("lock_expires");  // also matches a missing field
    or_list.push(b);
  }
  {
    Doc c;
    Doc lte;
    lte.date("$lte", now);
    c.doc("lock_expires", lte);
    or_list.push(c);
  }
  filter.array("$or", or_list);
}

class Client;

class MongoStore final : public Store {
 public:
  explicit MongoStore(const MongoStoreOptions& options) : pid_(::getpid()) {
    static std::once_flag init;
    std::call_once(init, [] { mongoc_init(); });
    bson_error_t error;
    mongoc_uri_t* uri = mongoc_uri_new_with_error(options.uri.c_str(), &error);
    if (!uri) throw std::invalid_argument(fmt::format("MONGO_URI: {}", error.message));
    struct FreeUri {
      mongoc_uri_t* u;
      ~FreeUri() { mongoc_uri_destroy(u); }
    } free_uri{uri};
    database_ = database_of(options, uri);
    default_timeout(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    default_timeout(uri, MONGOC_URI_CONNECTTIMEOUTMS, 3000);
    default_timeout(uri, MONGOC_URI_SOCKETTIMEOUTMS, 15000);
    // More clients than blocking threads: try_pop below then never comes back empty-handed.
    auto clients = static_cast<std::int32_t>(std::max<std::size_t>(1, options.max_connections) + 2);
    if (!mongoc_uri_has_option(uri, MONGOC_URI_MAXPOOLSIZE) ||
        mongoc_uri_get_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, 0) < clients) {
      mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, clients);
    }
    if (!mongoc_uri_has_option(uri, MONGOC_URI_APPNAME)) mongoc_uri_set_appname(uri, "cinestream");
    pool_ = mongoc_client_pool_new_with_error(uri, &error);
    if (!pool_) throw std::invalid_argument(fmt::format("MONGO_URI: {}", error.message));
    mongoc_client_pool_set_error_api(pool_, MONGOC_ERROR_API_VERSION_2);
  }

  ~MongoStore() override {
    // The pool's monitoring threads belong to the process that created it; a forked child must
    // not tear them down.
    if (pool_ && ::getpid() == pid_) mongoc_client_pool_destroy(pool_);
  }

  MongoStore(const MongoStore&) = delete;
  MongoStore& operator=(const MongoStore&) = delete;

  // Forward-only migrations (schema.hpp). MongoDB has no DDL transaction, so each one is
  // idempotent: processes starting together may both run it, and its record is an upsert on
  // (module, version) under a unique index, so it is recorded once.
  SchemaReport ensure_schema() override {
    return with([&](Conn& c) {
      create_indexes(c, "schema_migrations", [](Doc& list) {
        index(list, "module_version_unique", Doc().i32("module", 1).i32("version", 1), true);
      });
      SchemaReport report;
      report.from = recorded_version(c);
      if (report.from > kStoreSchemaVersion) throw SchemaTooNew(report.from, kStoreSchemaVersion);
      struct Migration {
        int version;
        const char* name;
        std::function<void()> apply;
      };
      const Migration migrations[] = {
          {1, "baseline: collections and indexes", [&] { baseline_indexes(c); }},
          {2, "locations.progress: the running scrape's progress document",
           [&] {
             update_many(c, "locations", Doc().doc("progress", Doc().boolean("$exists", false)),
                         Doc().doc("$set", Doc().str("progress", "")));
           }},
      };
      static_assert(std::size(migrations) == kStoreSchemaVersion,
                    "every schema version has exactly one MongoDB migration");
      for (const auto& m : migrations) {
        if (m.version <= report.from) continue;
        m.apply();
        auto r = update_one(
            c, "schema_migrations", Doc().str("module", "store").i32("version", m.version),
            Doc().doc("$setOnInsert", Doc().str("name", m.name).date("applied_at", now_seconds())),
            true);
        if (r.upserted) report.applied.push_back({m.version, m.name});
      }
      report.to = kStoreSchemaVersion;
      return report;
    });
  }

  int schema_version() override {
    return with([&](Conn& c) { return recorded_version(c); });
  }

  std::size_t seed_locations(const std::vector<Location>& locations) override {
    return with([&](Conn& c) {
      std::size_t inserted = 0;
      for (const auto& l : locations) {
        Doc filter;
        filter.str("city_id", l.id);
        Doc coords;
        coords.push_dbl(l.geo.lon).push_dbl(l.geo.lat);  // GeoJSON order: [lon, lat]
        Doc geo;
        geo.str("type", "Point").array("coordinates", coords);
        Doc set;
        set.doc("name", Doc().str("en", l.name.en).str("ua", l.name.ua).str("ru", l.name.ru))
            .doc("country",
                 Doc().str("en", l.country.en).str("ua", l.country.ua).str("ru", l.country.ru))
            .str("country_code", l.country_code)
            .doc("geo", geo)
            .str("tz", l.tz)
            .i64("population", l.population);
        Doc on_insert;
        on_insert.str("status", "stale")
            .null("last_updated")
            .str("lock_owner", "")
            .null("lock_expires")
            .str("lock_source", "")
            .str("error", "")
            .str("progress", "")
            .i64("data_version", 0);
        Doc update;
        update.doc("$set", set).doc("$setOnInsert", on_insert);
        try {
          if (update_one(c, "locations", filter, update, true).upserted) ++inserted;
        } catch (const DuplicateKey&) {
          // Another process inserted it first: update the names again, now without insertion.
          update_one(c, "locations", filter, update, true);
        }
      }
      return inserted;
    });
  }

  std::vector<Location> locations() override {
    return with([&](Conn& c) {
      std::vector<Location> out;
      Doc sort;
      sort.i32("_id", 1);  // insertion order
      find(c, "locations", Doc(), sort, [&](const bson_t* d) { out.push_back(read_location(d)); });
      return out;
    });
  }

  std::vector<LocationState> location_states() override {
    return with([&](Conn& c) {
      std::vector<LocationState> out;
      Doc sort;
      sort.i32("_id", 1);
      find(c, "locations", Doc(), sort, [&](const bson_t* d) { out.push_back(read_state(d)); });
      return out;
    });
  }

  std::optional<LocationState> location_state(std::string_view city_id) override {
    return with([&](Conn& c) { return state_of(c, city_id); });
  }

  std::vector<Movie> movies_between(std::string_view city_id, SysSeconds from,
                                    SysSeconds to) override {
    return with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id);
      append_showtime_range(filter, &from, &to);
      std::vector<Movie> out;
      std::int64_t lo = mongo::to_millis(from);
      std::int64_t hi = mongo::to_millis(to);
      find(c, "movies", filter, Doc(), [&](const bson_t* d) {
        StoredMovie m = read_movie(d);
        // Theaters by name then id, showtimes by start, format, language: as the embedded store.
        std::sort(m.theaters.begin(), m.theaters.end(), [](const auto& a, const auto& b) {
          if (a.name != b.name) return a.name < b.name;
          return bson_oid_compare(&a.id, &b.id) < 0;
        });
        for (auto& t : m.theaters) {
          Theater out_t{t.name, t.address, t.website, {}};
          std::sort(t.showtimes.begin(), t.showtimes.end(), [](const auto& a, const auto& b) {
            return std::tie(a.start_ms, a.format, a.language) <
                   std::tie(b.start_ms, b.format, b.language);
          });
          for (const auto& s : t.showtimes) {
            if (s.start_ms < lo || s.start_ms >= hi) continue;
            out_t.showtimes.push_back(
                Showtime{mongo::from_millis(s.start_ms), s.format, s.language, s.hall});
          }
          if (!out_t.showtimes.empty()) m.movie.theaters.push_back(std::move(out_t));
        }
        if (!m.movie.theaters.empty()) out.push_back(std::move(m.movie));
      });
      std::sort(out.begin(), out.end(), [](const Movie& a, const Movie& b) {
        return movie_key(a.title) < movie_key(b.title);
      });
      return out;
    });
  }

  MergeStats merge_movies(std::string_view city_id, const std::vector<Movie>& movies,
                          SysSeconds now) override {
    return merge(city_id, {}, movies, now);
  }

  MergeStats merge_movies_fenced(std::string_view city_id, std::string_view owner,
                                 const std::vector<Movie>& movies, SysSeconds now) override {
    if (owner.empty()) throw LockLost("a fenced merge needs an owner");
    return merge(city_id, owner, movies, now);
  }

  MergeStats merge(std::string_view city_id, std::string_view owner,
                   const std::vector<Movie>& movies, SysSeconds now) {
    return with([&](Conn& c) {
      if (!state_of(c, city_id)) throw std::invalid_argument("unknown city");
      if (!owner.empty()) require_holder(c, city_id, owner);
      MergeStats stats;
      auto changed = [&] {
        return stats.movies_added || stats.theaters_added || stats.showtimes_added;
      };
      auto known = load_theaters(c, city_id);
      // No transaction: each movie document is written whole by one update (so a reader sees a
      // movie before or after, never half), and the merge is a sequence of them. Re-running it
      // converges: every write is computed from what is stored (upsert by key, only missing
      // showtimes pushed). data_version is bumped after the last write; if the merge stops
      // half-way it is bumped on the way out, and releasing or expiring the lock bumps it again,
      // so a page cached from a half-applied merge is dropped even if this process died.
      try {
        for (const auto& movie : movies) {
          std::string key = movie_key(movie.title);
          if (key.empty()) continue;
          if (!owner.empty()) require_holder(c, city_id, owner);
          // Resolve the cinemas first (city-wide, like the embedded store's theaters table).
          std::vector<std::pair<std::size_t, const Theater*>> input;
          for (const auto& theater : movie.theaters)
            input.emplace_back(find_or_add_theater(c, city_id, theater, known, stats), &theater);
          merge_one_movie(c, city_id, key, movie, input, known, now, stats);
        }
      } catch (...) {
        if (changed()) {
          try {
            bump_version(c, city_id);
          } catch (...) {
            // The store is gone: the lock's release or expiry bumps the version later.
          }
        }
        throw;
      }
      if (changed()) bump_version(c, city_id);
      return stats;
    });
  }

  std::size_t prune_before(std::string_view city_id, SysSeconds cutoff) override {
    return with([&](Conn& c) {
      std::size_t removed = 0;
      bool changed = false;
      std::int64_t cut = mongo::to_millis(cutoff);
      Doc filter;
      filter.str("city_id", city_id);
      // Every movie of the city: those with past showtimes lose them, and any left without a
      // showtime is deleted (as in the embedded store).
      std::vector<StoredMovie> docs;
      find(c, "movies", filter, Doc(), [&](const bson_t* d) { docs.push_back(read_movie(d)); });
      for (auto& m : docs) {
        for (int attempt = 0;; ++attempt) {
          if (attempt >= kMaxConflictRetries) throw StoreUnavailable("mongodb prune: contention");
          Doc set;
          std::size_t left = 0;
          std::size_t gone = 0;
          for (std::size_t i = 0; i < m.theaters.size(); ++i) {
            auto& shows = m.theaters[i].showtimes;
            auto before = shows.size();
            std::erase_if(shows, [&](const StoredShowtime& s) { return s.start_ms < cut; });
            left += shows.size();
            if (shows.size() != before) {
              gone += before - shows.size();
              Doc arr;
              for (const auto& s : shows)
                append_showtime(arr, s);
              set.array(fmt::format("theaters.{}.showtimes", i), arr);
            }
          }
          Doc cas;
          cas.oid("_id", m.oid).i64("rev", m.rev);
          bool done = false;
          if (left == 0) {
            done = delete_one(c, "movies", cas) == 1;
          } else if (gone == 0) {
            break;
          } else {
            Doc update;
            update.doc("$set", set).doc("$inc", Doc().i64("rev", 1));
            done = update_one(c, "movies", cas, update, false).matched == 1;
          }
          if (done) {
            removed += gone;
            changed = true;
            break;
          }
          // Changed meanwhile by another process: read it again and redo.
          auto fresh = find_movie(c, Doc().oid("_id", m.oid));
          if (!fresh) break;  // deleted meanwhile
          m = std::move(*fresh);
        }
      }
      if (changed) bump_version(c, city_id);
      return removed;
    });
  }

  LockResult try_lock_city(std::string_view city_id, std::string_view owner,
                           std::string_view source, std::chrono::seconds lease,
                           SysSeconds now) override {
    return with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id);
      append_lock_free(filter, now);
      Doc set;
      set.str("status", "processing")
          .str("lock_owner", owner)
          .date("lock_expires", now + lease)
          .str("lock_source", source)
          .str("error", "")
          .str("progress", "");
      Doc update;
      update.doc("$set", set);
      if (auto doc = find_and_modify(c, "locations", filter, update))
        return LockResult{LockOutcome::acquired, read_state(doc->get())};
      auto state = state_of(c, city_id);
      if (!state) return LockResult{LockOutcome::unknown_city, {}};
      return LockResult{LockOutcome::held, *state};
    });
  }

  bool renew_city_lock(std::string_view city_id, std::string_view owner, std::chrono::seconds lease,
                       SysSeconds now) override {
    return with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().date("lock_expires", now + lease));
      Doc filter;
      held_by(filter, city_id, owner);
      return update_one(c, "locations", filter, update, false).matched == 1;
    });
  }

  bool release_city_lock(std::string_view city_id, std::string_view owner,
                         ScrapeStatus final_status, std::string_view error,
                         SysSeconds now) override {
    return with([&](Conn& c) {
      Doc set;
      set.str("status", to_string(final_status))
          .str("error", error)
          .str("lock_owner", "")
          .null("lock_expires")
          .str("lock_source", "");
      if (final_status == ScrapeStatus::fresh) set.date("last_updated", now);
      Doc update;
      // The holder's merges are over: a page cached from one that stopped half-way is dropped.
      update.doc("$set", set).doc("$inc", Doc().i64("data_version", 1));
      Doc filter;
      held_by(filter, city_id, owner);
      return update_one(c, "locations", filter, update, false).matched == 1;
    });
  }

  std::vector<std::string> expire_lapsed_locks(SysSeconds now) override {
    return with([&](Conn& c) {
      std::vector<std::string> ids;
      // One atomic findAndModify per lapsed city, so each is reported by exactly one caller.
      for (int guard = 0; guard < 100000; ++guard) {
        Doc filter;
        filter.str("status", "processing");
        Doc or_list;
        or_list.push(Doc().null("lock_expires"));
        Doc lte;
        lte.date("$lte", now);
        or_list.push(Doc().doc("lock_expires", lte));
        filter.array("$or", or_list);
        Doc set;
        set.str("status", "stale")
            .str("lock_owner", "")
            .null("lock_expires")
            .str("lock_source", "")
            .str("error", "lock lease lapsed");
        Doc update;
        // The holder died, perhaps mid-merge: readers re-read whatever it wrote.
        update.doc("$set", set).doc("$inc", Doc().i64("data_version", 1));
        auto doc = find_and_modify(c, "locations", filter, update);
        if (!doc) break;
        ids.push_back(mongo::str_at(doc->get(), "city_id"));
      }
      return ids;
    });
  }

  std::vector<std::string> covered_days(std::string_view city_id, std::string_view from_day,
                                        std::string_view to_day) override {
    return with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id).doc("day", Doc().str("$gte", from_day).str("$lte", to_day));
      std::vector<std::string> days;
      find(c, "coverage", filter, Doc().i32("day", 1),
           [&](const bson_t* d) { days.push_back(mongo::str_at(d, "day")); });
      return days;
    });
  }

  void mark_covered_fenced(std::string_view city_id, std::string_view owner,
                           const std::vector<std::string>& days, SysSeconds now) override {
    if (owner.empty()) throw LockLost("a fenced write needs an owner");
    with([&](Conn& c) { require_holder(c, city_id, owner); });
    mark_covered(city_id, days, now);
  }

  void mark_covered(std::string_view city_id, const std::vector<std::string>& days,
                    SysSeconds now) override {
    with([&](Conn& c) {
      for (const auto& day : days) {
        Doc filter;
        filter.str("city_id", city_id).str("day", day);
        Doc update;
        update.doc("$set", Doc().date("scraped_at", now));
        try {
          update_one(c, "coverage", filter, update, true);
        } catch (const DuplicateKey&) {
          update_one(c, "coverage", filter, update, true);  // inserted concurrently: update it
        }
      }
    });
  }

  void prune_coverage(std::string_view city_id, std::string_view before_day) override {
    with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id).doc("day", Doc().str("$lt", before_day));
      delete_many(c, "coverage", filter);
    });
  }

  bool set_progress(std::string_view city_id, std::string_view owner,
                    std::string_view progress_json) override {
    return with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().str("progress", progress_json));
      Doc filter;
      held_by(filter, city_id, owner);
      return update_one(c, "locations", filter, update, false).matched == 1;
    });
  }

  bool charge_budget(std::string_view day, std::int64_t grounded_calls, std::int64_t micro_usd,
                     std::int64_t max_grounded_calls, std::int64_t max_micro_usd) override {
    return with([&](Conn& c) {
      {
        Doc filter;
        filter.str("day", day);
        Doc update;
        update.doc("$setOnInsert", Doc().i64("grounded_calls", 0).i64("micro_usd", 0));
        try {
          update_one(c, "budget", filter, update, true);
        } catch (const DuplicateKey&) {
          // created by another process meanwhile: fine
        }
      }
      // Check and add in one filtered update: the document changes only if the sums stay within.
      Doc filter;
      filter.str("day", day)
          .doc("grounded_calls", Doc().i64("$lte", max_grounded_calls - grounded_calls))
          .doc("micro_usd", Doc().i64("$lte", max_micro_usd - micro_usd));
      Doc update;
      update.doc("$inc", Doc().i64("grounded_calls", grounded_calls).i64("micro_usd", micro_usd));
      return update_one(c, "budget", filter, update, false).matched == 1;
    });
  }

  BudgetUse budget_used(std::string_view day) override {
    return with([&](Conn& c) {
      BudgetUse u;
      find(c, "budget", Doc().str("day", day), Doc(), [&](const bson_t* d) {
        u = {mongo::int_at(d, "grounded_calls"), mongo::int_at(d, "micro_usd")};
      });
      return u;
    });
  }

  std::vector<Theater> theaters(std::string_view city_id) override {
    return with([&](Conn& c) {
      std::vector<Theater> out;
      for (auto& row : load_theaters(c, city_id))
        out.push_back(Theater{row.name, row.address, row.website, {}});
      return out;
    });
  }

  void set_movie_poster(std::int64_t movie_id, std::string_view image_path) override {
    with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().str("image_path", image_path)).doc("$inc", Doc().i64("rev", 1));
      if (auto doc = find_and_modify(c, "movies", Doc().i64("movie_id", movie_id), update))
        bump_version(c, mongo::str_at(doc->get(), "city_id"));
    });
  }

  void add_visits(std::int64_t n) override {
    if (n <= 0) return;
    with([&](Conn& c) {
      Doc update;
      update.doc("$inc", Doc().i64("count", n));
      try {
        update_one(c, "stats", Doc().str("key", "visitor_counter"), update, true);
      } catch (const DuplicateKey&) {
        update_one(c, "stats", Doc().str("key", "visitor_counter"), update, true);
      }
    });
  }

  std::int64_t visits() override {
    return with([&](Conn& c) {
      std::int64_t n = 0;
      find(c, "stats", Doc().str("key", "visitor_counter"), Doc(),
           [&](const bson_t* d) { n = mongo::int_at(d, "count"); });
      return n;
    });
  }

  void check_health() override {
    with([&](Conn& c) {
      Doc cmd;
      cmd.i32("ping", 1);
      bson_error_t error;
      bson_t reply;
      bool ok = mongoc_client_command_simple(c.client, database_.c_str(), cmd.get(), nullptr,
                                             &reply, &error);
      bson_destroy(&reply);
      if (!ok) fail("ping", error);
    });
  }

 private:
  // A client from the pool with the store's database, for one store call.
  struct Conn {
    mongoc_client_t* client;
    mongoc_database_t* db;
    std::map<std::string, mongoc_collection_t*, std::less<>> collections;

    mongoc_collection_t* coll(std::string_view name) {
      auto it = collections.find(name);
      if (it != collections.end()) return it->second;
      std::string n(name);
      auto* col = mongoc_database_get_collection(db, n.c_str());
      collections.emplace(std::move(n), col);
      return col;
    }
  };

  struct UpdateResult {
    std::int64_t matched = 0;
    bool upserted = false;
    std::optional<bson_oid_t> upserted_id;
  };

  template <class F>
  std::invoke_result_t<F&, Conn&> with(F&& fn) {
    if (::getpid() != pid_) throw std::logic_error("MongoStore used in a forked process");
    // Never blocks: the pool holds more clients than there are blocking threads.
    mongoc_client_t* client = mongoc_client_pool_try_pop(pool_);
    if (!client) throw StoreUnavailable("mongodb: no free client in the connection pool");
    Conn conn{client, mongoc_client_get_database(client, database_.c_str()), {}};
    struct Return {
      MongoStore& self;
      Conn& conn;
      ~Return() {
        for (auto& [name, col] : conn.collections)
          mongoc_collection_destroy(col);
        mongoc_database_destroy(conn.db);
        mongoc_client_pool_push(self.pool_, conn.client);
      }
    } give_back{*this, conn};
    return fn(conn);
  }

  int recorded_version(Conn& c) {
    int version = 0;
    find(c, "schema_migrations", Doc().str("module", "store"), Doc(), [&](const bson_t* d) {
      version = std::max(version, static_cast<int>(mongo::int_at(d, "version")));
    });
    return version;
  }

  static SysSeconds now_seconds() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }

  void update_many(Conn& c, std::string_view collection, const Doc& filter, const Doc& update) {
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_update_many(c.coll(collection), filter.get(), update.get(), nullptr,
                                            &reply, &error);
    bson_destroy(&reply);
    if (!ok) fail("update", error);
  }

  void baseline_indexes(Conn& c) {
    create_indexes(c, "locations", [](Doc& list) {
      index(list, "city_id_unique", Doc().i32("city_id", 1), true);
      index(list, "geo_2dsphere", Doc().str("geo", "2dsphere"));
      index(list, "status", Doc().i32("status", 1));
    });
    create_indexes(c, "movies", [](Doc& list) {
      index(list, "city_id", Doc().i32("city_id", 1));
      index(list, "title_en", Doc().i32("title.en", 1));
      index(list, "title_local", Doc().i32("title.local", 1));
      index(list, "city_title_unique", Doc().i32("city_id", 1).i32("title_key", 1), true);
      index(list, "movie_id_unique", Doc().i32("movie_id", 1), true);
      Doc ttl;
      ttl.doc("key", Doc().i32("created_at", 1))
          .str("name", "created_at_ttl")
          .i64("expireAfterSeconds", kMovieTtlSeconds);
      list.push(ttl);
    });
    create_indexes(c, "theaters", [](Doc& list) {
      index(list, "city_name_address_unique",
            Doc().i32("city_id", 1).i32("name_key", 1).i32("address_key", 1), true);
    });
    create_indexes(c, "coverage", [](Doc& list) {
      index(list, "city_day_unique", Doc().i32("city_id", 1).i32("day", 1), true);
    });
    create_indexes(c, "budget",
                   [](Doc& list) { index(list, "day_unique", Doc().i32("day", 1), true); });
    create_indexes(c, "stats",
                   [](Doc& list) { index(list, "key_unique", Doc().i32("key", 1), true); });
  }

  static void index(Doc& list, std::string_view name, const Doc& key, bool unique = false) {
    Doc spec;
    spec.doc("key", key).str("name", name);
    if (unique) spec.boolean("unique", true);
    list.push(spec);
  }

  // libmongoc 1.23 has no createIndexes helper: send the command. Existing identical indexes are
  // a no-op, so this is idempotent and safe from several processes.
  template <class F>
  void create_indexes(Conn& c, const char* collection, F&& fill) {
    Doc list;
    fill(list);
    Doc cmd;
    cmd.str("createIndexes", collection).array("indexes", list);
    bson_error_t error;
    bson_t reply;
    bool ok = mongoc_database_write_command_with_opts(c.db, cmd.get(), nullptr, &reply, &error);
    bson_destroy(&reply);
    if (!ok) fail("createIndexes", error);
  }

  template <class F>
  void find(Conn& c, std::string_view collection, const Doc& filter, const Doc& sort, F&& each) {
    Doc opts;
    if (!sort.empty()) opts.doc("sort", sort);
    mongoc_cursor_t* cursor =
        mongoc_collection_find_with_opts(c.coll(collection), filter.get(), opts.get(), nullptr);
    struct Free {
      mongoc_cursor_t* cur;
      ~Free() { mongoc_cursor_destroy(cur); }
    } free_cursor{cursor};
    const bson_t* doc = nullptr;
    while (mongoc_cursor_next(cursor, &doc))
      each(doc);
    bson_error_t error;
    if (mongoc_cursor_error(cursor, &error)) fail("find", error);
  }

  UpdateResult update_one(Conn& c, std::string_view collection, const Doc& filter,
                          const Doc& update, bool upsert) {
    Doc opts;
    if (upsert) opts.boolean("upsert", true);
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_update_one(c.coll(collection), filter.get(), update.get(),
                                           opts.get(), &reply, &error);
    UpdateResult r;
    if (ok) {
      r.matched = mongo::int_at(&reply, "matchedCount");
      r.upserted = mongo::int_at(&reply, "upsertedCount") > 0;
      r.upserted_id = mongo::oid_at(&reply, "upsertedId");
    }
    bson_destroy(&reply);
    if (!ok) fail("update", error);
    return r;
  }

  std::int64_t delete_one(Conn& c, std::string_view collection, const Doc& filter) {
    bson_t reply;
    bson_error_t error;
    bool ok =
        mongoc_collection_delete_one(c.coll(collection), filter.get(), nullptr, &reply, &error);
    std::int64_t n = ok ? mongo::int_at(&reply, "deletedCount") : 0;
    bson_destroy(&reply);
    if (!ok) fail("delete", error);
    return n;
  }

  void delete_many(Conn& c, std::string_view collection, const Doc& filter) {
    bson_t reply;
    bson_error_t error;
    bool ok =
        mongoc_collection_delete_many(c.coll(collection), filter.get(), nullptr, &reply, &error);
    bson_destroy(&reply);
    if (!ok) fail("delete", error);
  }

  void insert_one(Conn& c, std::string_view collection, const Doc& doc) {
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_insert_one(c.coll(collection), doc.get(), nullptr, &reply, &error);
    bson_destroy(&reply);
    if (!ok) fail("insert", error);
  }

  // The document after the update, or null when nothing matched.
  std::unique_ptr<Doc> find_and_modify(Conn& c, std::string_view collection, const Doc& filter,
                                       const Doc& update) {
    mongoc_find_and_modify_opts_t* opts = mongoc_find_and_modify_opts_new();
    struct FreeOpts {
      mongoc_find_and_modify_opts_t* o;
      ~FreeOpts() { mongoc_find_and_modify_opts_destroy(o); }
    } free_opts{opts};
    mongoc_find_and_modify_opts_set_update(opts, update.get());
    mongoc_find_and_modify_opts_set_flags(opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_find_and_modify_with_opts(c.coll(collection), filter.get(), opts,
                                                          &reply, &error);
    std::unique_ptr<Doc> out;
    if (ok) {
      bson_iter_t it;
      if (mongo::find(&reply, "value", it) && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        mongo::View v(it);
        auto doc = std::make_unique<Doc>();
        bson_concat(doc->get(), v.get());
        out = std::move(doc);
      }
    }
    bson_destroy(&reply);
    if (!ok) fail("findAndModify", error);
    return out;
  }

  std::optional<LocationState> state_of(Conn& c, std::string_view city_id) {
    std::optional<LocationState> s;
    find(c, "locations", Doc().str("city_id", city_id), Doc(),
         [&](const bson_t* d) { s = read_state(d); });
    return s;
  }

  std::optional<StoredMovie> find_movie(Conn& c, const Doc& filter) {
    std::optional<StoredMovie> m;
    find(c, "movies", filter, Doc(), [&](const bson_t* d) { m = read_movie(d); });
    return m;
  }

  // The city's document while `owner` holds its lock.
  static void held_by(Doc& f, std::string_view city_id, std::string_view owner) {
    f.str("city_id", city_id).str("lock_owner", owner).str("status", "processing");
  }

  // No multi-document transaction: the fence is one atomic update of the location document,
  // matched on {city_id, lock_owner, status: processing}, before each document this merge writes.
  // A takeover becomes effective for the merge at its next check (the window is one document).
  void require_holder(Conn& c, std::string_view city_id, std::string_view owner) {
    Doc filter;
    held_by(filter, city_id, owner);
    Doc update;
    update.doc("$set", Doc().str("lock_owner", owner));
    if (update_one(c, "locations", filter, update, false).matched != 1) {
      throw LockLost(fmt::format("{} no longer holds the lock of {}", owner, city_id));
    }
  }

  // Restricts a movie query to movies with a showtime in [from, to) (either bound optional).
  static void append_showtime_range(Doc& filter, const SysSeconds* from, const SysSeconds* to) {
    Doc range;
    if (from) range.date("$gte", *from);
    if (to) range.date("$lt", *to);
    Doc elem;
    elem.doc("start_time", range);
    Doc match;
    match.doc("$elemMatch", elem);
    filter.doc("theaters.showtimes", match);
  }

  void bump_version(Conn& c, std::string_view city_id) {
    Doc update;
    update.doc("$inc", Doc().i64("data_version", 1));
    update_one(c, "locations", Doc().str("city_id", city_id), update, false);
  }

  std::vector<TheaterRow> load_theaters(Conn& c, std::string_view city_id) {
    std::vector<TheaterRow> rows;
    Doc sort;
    sort.i32("_id", 1);
    find(c, "theaters", Doc().str("city_id", city_id), sort, [&](const bson_t* d) {
      TheaterRow r{};
      if (auto id = mongo::oid_at(d, "_id")) r.id = *id;
      r.name_key = mongo::str_at(d, "name_key");
      r.address_key = mongo::str_at(d, "address_key");
      r.name = mongo::str_at(d, "name");
      r.address = mongo::str_at(d, "address");
      r.website = mongo::str_at(d, "website");
      rows.push_back(std::move(r));
    });
    return rows;
  }

  // The city's cinema for `t`: matched by normalised name and, when both sides know it, address
  // (filling in a missing address or website), else added. Returns its index in `known`.
  std::size_t find_or_add_theater(Conn& c, std::string_view city_id, const Theater& t,
                                  std::vector<TheaterRow>& known, MergeStats& stats) {
    std::string name_key = normalize_key(t.name);
    std::string address_key = normalize_key(t.address);
    for (std::size_t i = 0; i < known.size(); ++i) {
      auto& row = known[i];
      if (row.name_key != name_key) continue;
      if (row.address_key != address_key && !row.address_key.empty() && !address_key.empty())
        continue;
      if (row.address_key.empty() && !address_key.empty()) {
        Doc filter;
        filter.oid("_id", row.id).str("address_key", "");
        Doc update;
        update.doc("$set", Doc().str("address", trim(t.address)).str("address_key", address_key));
        try {
          if (update_one(c, "theaters", filter, update, false).matched == 1) {
            row.address = trim(t.address);
            row.address_key = address_key;
          }
        } catch (const DuplicateKey&) {
          // that name and address exist already as another row: keep this one as it is
        }
      }
      if (!t.website.empty() && row.website.empty()) {
        Doc filter;
        filter.oid("_id", row.id).str("website", "");
        Doc update;
        update.doc("$set", Doc().str("website", trim(t.website)));
        if (update_one(c, "theaters", filter, update, false).matched == 1)
          row.website = trim(t.website);
      }
      return i;
    }
    Doc filter;
    filter.str("city_id", city_id).str("name_key", name_key).str("address_key", address_key);
    Doc on_insert;
    on_insert.str("name", trim(t.name))
        .str("address", trim(t.address))
        .str("website", trim(t.website));
    Doc update;
    update.doc("$setOnInsert", on_insert);
    UpdateResult r;
    try {
      r = update_one(c, "theaters", filter, update, true);
    } catch (const DuplicateKey&) {
      r = update_one(c, "theaters", filter, update, true);  // inserted concurrently: now matches
    }
    TheaterRow row{};
    row.name_key = name_key;
    row.address_key = address_key;
    row.name = trim(t.name);
    row.address = trim(t.address);
    row.website = trim(t.website);
    if (r.upserted && r.upserted_id) {
      row.id = *r.upserted_id;
      ++stats.theaters_added;
    } else {
      // Added by another process since we loaded the list: use its row.
      bool found = false;
      find(c, "theaters", filter, Doc(), [&](const bson_t* d) {
        if (auto id = mongo::oid_at(d, "_id")) {
          row.id = *id;
          row.name = mongo::str_at(d, "name");
          row.address = mongo::str_at(d, "address");
          row.website = mongo::str_at(d, "website");
          found = true;
        }
      });
      if (!found) throw StoreUnavailable("mongodb merge: theater vanished while merging");
    }
    known.push_back(std::move(row));
    return known.size() - 1;
  }

  // Merges one scraped movie: inserts it, or adds only the missing showtimes, cinemas and fields
  // with a compare-and-set on `rev`.
  void merge_one_movie(Conn& c, std::string_view city_id, const std::string& key,
                       const Movie& movie,
                       const std::vector<std::pair<std::size_t, const Theater*>>& input,
                       const std::vector<TheaterRow>& known, SysSeconds now, MergeStats& total) {
    for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
      MergeStats stats;
      Doc filter;
      filter.str("city_id", city_id).str("title_key", key);
      auto stored = find_movie(c, filter);
      std::vector<StoredTheater> theaters =
          stored ? stored->theaters : std::vector<StoredTheater>{};
      const std::size_t stored_count = theaters.size();
      std::vector<std::size_t> grown;  // stored theaters that got new showtimes
      for (const auto& [row_index, t] : input) {
        const TheaterRow& row = known[row_index];
        auto it = std::find_if(theaters.begin(), theaters.end(), [&](const StoredTheater& s) {
          return bson_oid_equal(&s.id, &row.id);
        });
        if (it == theaters.end()) {
          theaters.push_back(StoredTheater{row.id, row.name, row.address, row.website, {}});
          it = std::prev(theaters.end());
        }
        auto index = static_cast<std::size_t>(it - theaters.begin());
        std::set<ShowKey> seen;
        for (const auto& s : it->showtimes)
          seen.emplace(s.start_ms, s.format, s.language);
        for (const auto& s : t->showtimes) {
          StoredShowtime sh{mongo::to_millis(s.start), canonical_format(s.format), trim(s.language),
                            trim(s.hall)};
          if (!seen.emplace(sh.start_ms, sh.format, sh.language).second) {
            ++stats.showtimes_duplicate;
            continue;
          }
          it->showtimes.push_back(std::move(sh));
          ++stats.showtimes_added;
          if (index < stored_count && std::find(grown.begin(), grown.end(), index) == grown.end())
            grown.push_back(index);
        }
      }

      if (!stored) {
        Doc doc;
        doc.i64("movie_id", movie_id_for(city_id, key))
            .str("city_id", city_id)
            .str("title_key", key)
            .doc("title", Doc()
                              .str("en", trim(movie.title.en))
                              .str("local", trim(movie.title.local))
                              .str("ua", trim(movie.title.ua))
                              .str("ru", trim(movie.title.ru)))
            .doc("description", Doc()
                                    .str("en", movie.description.en)
                                    .str("ua", movie.description.ua)
                                    .str("ru", movie.description.ru))
            .str("image_url", movie.image_url)
            .str("image_path", movie.image_path);
        Doc arr;
        for (const auto& t : theaters) {
          Doc td;
          build_theater(td, t);
          arr.push(td);
        }
        doc.array("theaters", arr).date("created_at", now).date("updated_at", now).i64("rev", 1);
        try {
          insert_one(c, "movies", doc);
        } catch (const DuplicateKey&) {
          continue;  // inserted by another process meanwhile: merge into theirs
        }
        stats.movies_added = 1;
        add(total, stats);
        return;
      }

      // Fields the stored movie lacks; a known field is never blanked or replaced.
      Doc set;
      const Movie& old = stored->movie;
      auto fill = [&](const char* path, const std::string& have, const std::string& offered) {
        if (have.empty() && !offered.empty()) set.str(path, offered);
      };
      fill("title.en", old.title.en, trim(movie.title.en));
      fill("title.local", old.title.local, trim(movie.title.local));
      fill("title.ua", old.title.ua, trim(movie.title.ua));
      fill("title.ru", old.title.ru, trim(movie.title.ru));
      fill("description.en", old.description.en, movie.description.en);
      fill("description.ua", old.description.ua, movie.description.ua);
      fill("description.ru", old.description.ru, movie.description.ru);
      fill("image_url", old.image_url, movie.image_url);
      if (!movie.image_path.empty() && movie.image_path != old.image_path)
        set.str("image_path", movie.image_path);
      Doc push;
      for (std::size_t i : grown) {
        Doc each;
        std::size_t from = stored->theaters[i].showtimes.size();
        for (std::size_t k = from; k < theaters[i].showtimes.size(); ++k)
          append_showtime(each, theaters[i].showtimes[k]);
        push.doc(fmt::format("theaters.{}.showtimes", i), Doc().array("$each", each));
      }
      for (std::size_t i = stored_count; i < theaters.size(); ++i) {
        Doc td;
        build_theater(td, theaters[i]);
        set.doc(fmt::format("theaters.{}", i), td);  // appends: i is the array's length
      }
      if (set.empty() && push.empty()) {
        add(total, stats);  // only duplicates: nothing to write
        return;
      }
      set.date("updated_at", now);
      Doc update;
      update.doc("$set", set).doc("$inc", Doc().i64("rev", 1));
      if (!push.empty()) update.doc("$push", push);
      Doc cas;
      cas.oid("_id", stored->oid).i64("rev", stored->rev);
      if (update_one(c, "movies", cas, update, false).matched == 1) {
        add(total, stats);
        return;
      }
      // Another process changed or pruned this movie since we read it: read again and redo.
    }
    throw StoreUnavailable("mongodb merge: too many concurrent changes to one movie");
  }

  static void add(MergeStats& total, const MergeStats& s) {
    total.movies_added += s.movies_added;
    total.theaters_added += s.theaters_added;
    total.showtimes_added += s.showtimes_added;
    total.showtimes_duplicate += s.showtimes_duplicate;
  }

  pid_t pid_;
  std::string database_;
  mongoc_client_pool_t* pool_ = nullptr;
};

}  // namespace

std::unique_ptr<Store> make_mongo_store(const MongoStoreOptions& options) {
  return std::make_unique<MongoStore>(options);
}

}  // namespace cinestream
