#pragma once
// A thin RAII layer over the SQLite C API: a connection with a cache of prepared statements.
// Every failure throws StoreUnavailable carrying SQLite's message.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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

}  // namespace cinestream::sqlite
