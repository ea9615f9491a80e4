#pragma once
// The SQLite connection layer every SQLite repository shares (the platform's and a feature
// module's): a thin RAII layer over the C API (a connection with a cache of prepared statements,
// IMMEDIATE transactions), the bounded pool of connections to one file, and numbered migrations
// recorded per module. Every failure throws StoreUnavailable carrying SQLite's message.
#include <sqlite3.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "cinestream/store/schema.hpp"

namespace cinestream::sqlite {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();  // resets and clears bindings; the statement stays cached
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::int64_t>& value);

  bool step();  // true: a row is ready
  void run();   // steps to completion

  std::string text(int col) const;
  std::int64_t integer(int col) const;
  double real(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql);
  // Prepared once per connection and reused, keyed by the SQL text (not its address: a buffer
  // may be reused for other SQL, and equal text at two addresses is one statement).
  Statement prepare(std::string_view sql);
  std::size_t cached_statements() const { return cache_.size(); }
  std::int64_t changes() const;
  std::int64_t last_insert_id() const;

  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache_;
};

// BEGIN IMMEDIATE .. COMMIT, rolled back when an exception leaves the scope.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& c);
  ~WriteTransaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

// The connections to one database file, at most `max_connections` open; a caller waits for one
// when all are in use (the db pool has no more threads than that, so it never waits in practice).
class ConnectionPool {
 public:
  ConnectionPool(std::string path, std::size_t max_connections);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Runs fn with a pooled connection; opens one if fewer than max_connections exist.
  template <class F>
  std::invoke_result_t<F&, Connection&> with(F&& fn) {
    Lease lease(*this);
    return fn(*lease.conn);
  }

 private:
  struct Lease {
    explicit Lease(ConnectionPool& p) : pool(p), conn(p.acquire()) {}
    ~Lease() { pool.release(std::move(conn)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ConnectionPool& pool;
    std::unique_ptr<Connection> conn;
  };
  std::unique_ptr<Connection> acquire();
  void release(std::unique_ptr<Connection> conn);

  std::string path_;
  std::size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
};

// One numbered schema step of a module; it runs inside the transaction that records it, so it is
// applied and recorded together or not at all.
struct Migration {
  int version;
  const char* name;
  void (*apply)(Connection&);
};

// Applies the module's migrations (versions 1..n in order) that schema_migrations does not record
// for it, in one IMMEDIATE transaction: processes starting together migrate one after the other
// and the later ones apply nothing. Throws SchemaTooNew when the module is recorded at a version
// above the last one given.
SchemaReport migrate(ConnectionPool& pool, std::string_view module,
                     std::span<const Migration> migrations);
// The module's recorded version; 0 before its first migration.
int schema_version(ConnectionPool& pool, std::string_view module);

}  // namespace cinestream::sqlite
