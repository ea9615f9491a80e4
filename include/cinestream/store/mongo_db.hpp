#pragma once
// The MongoDB connection layer every MongoDB repository shares (the platform's and a feature
// module's): the libmongoc client pool of one database, the operations the repositories use with
// libmongoc's errors mapped to the store's (StoreUnavailable, DuplicateKey), and numbered
// migrations recorded per module. There are no multi-document transactions (a standalone server
// must work): a repository's atomic steps are single-document operations, and its header says so.
#include <mongoc/mongoc.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "cinestream/store/bson_doc.hpp"
#include "cinestream/store/errors.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/schema.hpp"

namespace cinestream::mongo {

// A unique index refused a write: another process inserted the same key first.
class DuplicateKey : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Maps a libmongoc error to the store's exceptions: unreachable or unhealthy servers are
// StoreUnavailable (the API's 503); a duplicate key is DuplicateKey, for the caller to handle;
// anything else is a failed request (std::runtime_error).
[[noreturn]] void fail(const char* what, const bson_error_t& e);

// A client from the pool with the store's database, for one repository call.
struct Conn {
  mongoc_client_t* client;
  mongoc_database_t* db;
  std::map<std::string, mongoc_collection_t*, std::less<>> collections;

  mongoc_collection_t* coll(std::string_view name);
};

// The clients of one database. Create it in the process that uses it (after fork, in a worker):
// its monitoring threads belong to that process, and a forked child refuses to use it.
class ClientPool {
 public:
  // Throws std::invalid_argument for a malformed URI.
  explicit ClientPool(const MongoStoreOptions& options);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  const std::string& database() const { return database_; }

  // Runs fn with a client; never waits for one (the pool holds more clients than there are
  // blocking threads).
  template <class F>
  std::invoke_result_t<F&, Conn&> with(F&& fn) {
    Lease lease(*this);
    return fn(lease.conn);
  }

 private:
  struct Lease {
    explicit Lease(ClientPool& p);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ClientPool& pool;
    Conn conn;
  };

  pid_t pid_;
  std::string database_;
  mongoc_client_pool_t* pool_ = nullptr;
};

struct UpdateResult {
  std::int64_t matched = 0;
  bool upserted = false;
  std::optional<bson_oid_t> upserted_id;
};

// Calls each(const bson_t*) for the documents matching filter, in `sort` order (empty: natural),
// after skipping `skip` of them and at most `limit` (0: all), both applied by the server.
template <class F>
void find_page(Conn& c, std::string_view collection, const Doc& filter, const Doc& sort,
               std::int64_t skip, std::int64_t limit, F&& each) {
  Doc opts;
  if (!sort.empty()) opts.doc("sort", sort);
  if (skip > 0) opts.i64("skip", skip);
  if (limit > 0) opts.i64("limit", limit);
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

// Every matching document, in `sort` order (empty: natural).
template <class F>
void find(Conn& c, std::string_view collection, const Doc& filter, const Doc& sort, F&& each) {
  find_page(c, collection, filter, sort, 0, 0, std::forward<F>(each));
}
UpdateResult update_one(Conn& c, std::string_view collection, const Doc& filter, const Doc& update,
                        bool upsert);
// The number of documents it changed.
std::int64_t update_many(Conn& c, std::string_view collection, const Doc& filter,
                         const Doc& update);
std::int64_t delete_one(Conn& c, std::string_view collection, const Doc& filter);
std::int64_t count_documents(Conn& c, std::string_view collection, const Doc& filter);
// The number of documents it deleted.
std::int64_t delete_many(Conn& c, std::string_view collection, const Doc& filter);
void insert_one(Conn& c, std::string_view collection, const Doc& doc);
// One insertMany command (ordered); an empty span does nothing.
void insert_many(Conn& c, std::string_view collection, std::span<const std::unique_ptr<Doc>> docs);
// The document after the update, or null when nothing matched.
std::unique_ptr<Doc> find_and_modify(Conn& c, std::string_view collection, const Doc& filter,
                                     const Doc& update);

// An index specification appended to `list` for create_indexes.
void index(Doc& list, std::string_view name, const Doc& key, bool unique = false);
// Existing identical indexes are a no-op, so this is idempotent and safe from several processes.
void create_indexes(Conn& c, const char* collection, const Doc& list);

// One numbered schema step of a module. MongoDB has no DDL transaction: each step must be
// idempotent, since processes starting together may both run it.
struct Migration {
  int version;
  const char* name;
  std::function<void(Conn&)> apply;
};

// Applies the module's migrations (versions 1..n in order) not recorded for it in
// `schema_migrations`; each record is an upsert on (module, version) under a unique index, so it is
// recorded (and reported as applied) once. Throws SchemaTooNew when the module is recorded at a
// version above the last one given.
SchemaReport migrate(ClientPool& pool, std::string_view module,
                     std::span<const Migration> migrations);
// The module's recorded version; 0 before its first migration.
int schema_version(ClientPool& pool, std::string_view module);

}  // namespace cinestream::mongo
