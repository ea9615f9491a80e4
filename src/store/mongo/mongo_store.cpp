// The MongoDB backend: the "store" module's indexes and migrations, and the platform's
// repositories over one client pool. Semantics are those of the embedded store
// (src/store/sqlite), held to the same conformance suite; the layout is the original CineStream's
// (docs/data-model.md).
//
// Concurrency between processes: single-document atomic operations only (no transactions, so a
// standalone server works); each repository header says what that makes atomic.
#include "cinestream/store/mongo_store.hpp"

#include <iterator>
#include <memory>

#include "store/mongo/mongo_common.hpp"
#include "store/repository_database.hpp"

namespace cinestream {
namespace {

using mongo::Conn;
using mongo::Doc;
using mongo::index;

constexpr std::int64_t kMovieTtlSeconds = 90LL * 24 * 3600;  // the original's 90-day TTL

template <class F>
void indexes(Conn& c, const char* collection, F&& fill) {
  Doc list;
  fill(list);
  mongo::create_indexes(c, collection, list);
}

void baseline_indexes(Conn& c) {
  indexes(c, "locations", [](Doc& list) {
    index(list, "city_id_unique", Doc().i32("city_id", 1), true);
    index(list, "geo_2dsphere", Doc().str("geo", "2dsphere"));
    index(list, "status", Doc().i32("status", 1));
  });
  indexes(c, "movies", [](Doc& list) {
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
  indexes(c, "theaters", [](Doc& list) {
    index(list, "city_name_address_unique",
          Doc().i32("city_id", 1).i32("name_key", 1).i32("address_key", 1), true);
  });
  indexes(c, "coverage", [](Doc& list) {
    index(list, "city_day_unique", Doc().i32("city_id", 1).i32("day", 1), true);
  });
  indexes(c, "budget", [](Doc& list) { index(list, "day_unique", Doc().i32("day", 1), true); });
  indexes(c, "stats", [](Doc& list) { index(list, "key_unique", Doc().i32("key", 1), true); });
}

// Forward-only migrations (schema.hpp), each idempotent (mongo_db.hpp).
const mongo::Migration kMigrations[] = {
    {1, "baseline: collections and indexes", [](Conn& c) { baseline_indexes(c); }},
    {2, "locations.progress: the running scrape's progress document",
     [](Conn& c) {
       mongo::update_many(c, "locations", Doc().doc("progress", Doc().boolean("$exists", false)),
                          Doc().doc("$set", Doc().str("progress", "")));
     }},
    {3, "name_aliases: spellings of cinemas and movies learned by scrapes",
     [](Conn& c) {
       indexes(c, "name_aliases", [](Doc& list) {
         index(list, "city_kind_alias_unique",
               Doc().i32("city_id", 1).i32("kind", 1).i32("alias_key", 1), true);
       });
     }},
    {4, "movies.film_id: the catalogue film a city's movie is (0 until linked)",
     [](Conn& c) {
       mongo::update_many(c, "movies", Doc().doc("film_id", Doc().boolean("$exists", false)),
                          Doc().doc("$set", Doc().i64("film_id", 0)));
       indexes(c, "movies", [](Doc& list) { index(list, "film_id", Doc().i32("film_id", 1)); });
     }},
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion,
              "every schema version has exactly one MongoDB migration");

class MongoStore final : private ConnectionHolder<mongo::ClientPool>, public RepositoryDatabase {
 public:
  explicit MongoStore(const MongoStoreOptions& options)
      : ConnectionHolder(options), RepositoryDatabase(make_repositories(connections)) {}

  SchemaReport ensure_schema() override {
    return mongo::migrate(connections, "store", kMigrations);
  }
  int schema_version() override { return mongo::schema_version(connections, "store"); }

  void check_health() override {
    connections.with([&](Conn& c) {
      Doc cmd;
      cmd.i32("ping", 1);
      bson_error_t error;
      bson_t reply;
      bool ok = mongoc_client_command_simple(c.client, connections.database().c_str(), cmd.get(),
                                             nullptr, &reply, &error);
      bson_destroy(&reply);
      if (!ok) mongo::fail("ping", error);
    });
  }

  mongo::ClientPool* mongo() override { return &connections; }
};

}  // namespace

std::unique_ptr<Database> make_mongo_store(const MongoStoreOptions& options) {
  return std::make_unique<MongoStore>(options);
}

}  // namespace cinestream
