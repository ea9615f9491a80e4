#include "cinestream/store/mongo_db.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace cinestream::mongo {
namespace {

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

int recorded_version(Conn& c, std::string_view module) {
  int version = 0;
  find(c, "schema_migrations", Doc().str("module", module), Doc(), [&](const bson_t* d) {
    version = std::max(version, static_cast<int>(int_at(d, "version")));
  });
  return version;
}

}  // namespace

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

mongoc_collection_t* Conn::coll(std::string_view name) {
  auto it = collections.find(name);
  if (it != collections.end()) return it->second;
  std::string n(name);
  auto* col = mongoc_database_get_collection(db, n.c_str());
  collections.emplace(std::move(n), col);
  return col;
}

ClientPool::ClientPool(const MongoStoreOptions& options) : pid_(::getpid()) {
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

ClientPool::~ClientPool() {
  // The pool's monitoring threads belong to the process that created it; a forked child must
  // not tear them down.
  if (pool_ && ::getpid() == pid_) mongoc_client_pool_destroy(pool_);
}

ClientPool::Lease::Lease(ClientPool& p) : pool(p), conn{nullptr, nullptr, {}} {
  if (::getpid() != pool.pid_)
    throw std::logic_error("a MongoDB client pool used in a forked process");
  // Never blocks: the pool holds more clients than there are blocking threads.
  mongoc_client_t* client = mongoc_client_pool_try_pop(pool.pool_);
  if (!client) throw StoreUnavailable("mongodb: no free client in the connection pool");
  conn.client = client;
  conn.db = mongoc_client_get_database(client, pool.database_.c_str());
}

ClientPool::Lease::~Lease() {
  for (auto& [name, col] : conn.collections)
    mongoc_collection_destroy(col);
  mongoc_database_destroy(conn.db);
  mongoc_client_pool_push(pool.pool_, conn.client);
}

UpdateResult update_one(Conn& c, std::string_view collection, const Doc& filter, const Doc& update,
                        bool upsert) {
  Doc opts;
  if (upsert) opts.boolean("upsert", true);
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_update_one(c.coll(collection), filter.get(), update.get(), opts.get(),
                                         &reply, &error);
  UpdateResult r;
  if (ok) {
    r.matched = int_at(&reply, "matchedCount");
    r.upserted = int_at(&reply, "upsertedCount") > 0;
    r.upserted_id = oid_at(&reply, "upsertedId");
  }
  bson_destroy(&reply);
  if (!ok) fail("update", error);
  return r;
}

std::int64_t delete_one(Conn& c, std::string_view collection, const Doc& filter) {
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_delete_one(c.coll(collection), filter.get(), nullptr, &reply, &error);
  std::int64_t n = ok ? int_at(&reply, "deletedCount") : 0;
  bson_destroy(&reply);
  if (!ok) fail("delete", error);
  return n;
}

std::int64_t count_documents(Conn& c, std::string_view collection, const Doc& filter) {
  bson_error_t error;
  std::int64_t n = mongoc_collection_count_documents(c.coll(collection), filter.get(), nullptr,
                                                     nullptr, nullptr, &error);
  if (n < 0) fail("count", error);
  return n;
}

std::int64_t delete_many(Conn& c, std::string_view collection, const Doc& filter) {
  bson_t reply;
  bson_error_t error;
  bool ok =
      mongoc_collection_delete_many(c.coll(collection), filter.get(), nullptr, &reply, &error);
  std::int64_t n = ok ? int_at(&reply, "deletedCount") : 0;
  bson_destroy(&reply);
  if (!ok) fail("delete", error);
  return n;
}

void insert_many(Conn& c, std::string_view collection, std::span<const std::unique_ptr<Doc>> docs) {
  if (docs.empty()) return;
  // A plain array: bson_t's alignment attribute makes it a poor template argument.
  struct Array {
    const bson_t** p;
    ~Array() { delete[] p; }
  } raw{new const bson_t*[docs.size()]};
  for (std::size_t i = 0; i < docs.size(); ++i)
    raw.p[i] = docs[i]->get();
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_insert_many(c.coll(collection), raw.p, docs.size(), nullptr, &reply,
                                          &error);
  bson_destroy(&reply);
  if (!ok) fail("insert", error);
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
    if (find(&reply, "value", it) && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      View v(it);
      auto doc = std::make_unique<Doc>();
      bson_concat(doc->get(), v.get());
      out = std::move(doc);
    }
  }
  bson_destroy(&reply);
  if (!ok) fail("findAndModify", error);
  return out;
}

std::int64_t update_many(Conn& c, std::string_view collection, const Doc& filter,
                         const Doc& update) {
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_update_many(c.coll(collection), filter.get(), update.get(), nullptr,
                                          &reply, &error);
  std::int64_t n = ok ? int_at(&reply, "modifiedCount") : 0;
  bson_destroy(&reply);
  if (!ok) fail("update", error);
  return n;
}

void index(Doc& list, std::string_view name, const Doc& key, bool unique) {
  Doc spec;
  spec.doc("key", key).str("name", name);
  if (unique) spec.boolean("unique", true);
  list.push(spec);
}

// libmongoc 1.23 has no createIndexes helper: send the command.
void create_indexes(Conn& c, const char* collection, const Doc& list) {
  Doc cmd;
  cmd.str("createIndexes", collection).array("indexes", list);
  bson_error_t error;
  bson_t reply;
  bool ok = mongoc_database_write_command_with_opts(c.db, cmd.get(), nullptr, &reply, &error);
  bson_destroy(&reply);
  if (!ok) fail("createIndexes", error);
}

SchemaReport migrate(ClientPool& pool, std::string_view module,
                     std::span<const Migration> migrations) {
  const int known = static_cast<int>(migrations.size());
  return pool.with([&](Conn& c) {
    Doc indexes;
    index(indexes, "module_version_unique", Doc().i32("module", 1).i32("version", 1), true);
    create_indexes(c, "schema_migrations", indexes);
    SchemaReport report;
    report.from = recorded_version(c, module);
    if (report.from > known) throw SchemaTooNew(report.from, known);
    for (const auto& m : migrations) {
      if (m.version <= report.from) continue;
      m.apply(c);
      auto now =
          std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
      auto r = update_one(
          c, "schema_migrations", Doc().str("module", module).i32("version", m.version),
          Doc().doc("$setOnInsert", Doc().str("name", m.name).date("applied_at", now)), true);
      if (r.upserted) report.applied.push_back({m.version, m.name});
    }
    report.to = known;
    return report;
  });
}

int schema_version(ClientPool& pool, std::string_view module) {
  return pool.with([&](Conn& c) { return recorded_version(c, module); });
}

}  // namespace cinestream::mongo
