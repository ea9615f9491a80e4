#include "cinestream/store/sqlite_db.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cinestream/store/errors.hpp"

namespace cinestream::sqlite {

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  throw StoreUnavailable(fmt::format("sqlite: {} ({})", sqlite3_errmsg(db), sqlite3_errstr(rc)));
}

void Statement::run() {
  while (step()) {
  }
}

std::string Statement::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
std::int64_t Statement::integer(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
double Statement::real(int col) const {
  return sqlite3_column_double(stmt_, col);
}
bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Connection::Connection(const std::string& path) {
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreUnavailable(fmt::format("sqlite: cannot open {}: {}", path, msg));
  }
  // Other processes may hold the write lock for a moment: wait instead of failing.
  sqlite3_busy_timeout(db_, 5000);
  try {
    // Turning a new database to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at
    // once, without the busy handler, while another connection does the same (processes
    // starting together on a fresh data directory): try again for as long as the timeout above.
    for (int attempt = 1;; ++attempt) {
      int busy = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (busy == SQLITE_OK) break;
      if ((busy != SQLITE_BUSY && busy != SQLITE_LOCKED) || attempt >= 100) {
        exec("PRAGMA journal_mode=WAL");  // throws with SQLite's message
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_)
    sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void Connection::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreUnavailable(fmt::format("sqlite: {}", msg));
  }
}

Statement Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare");
  cache_.emplace(std::string(sql), stmt);
  return Statement(stmt);
}

std::int64_t Connection::changes() const {
  return sqlite3_changes64(db_);
}
std::int64_t Connection::last_insert_id() const {
  return sqlite3_last_insert_rowid(db_);
}

void Connection::fail(int rc, std::string_view what) const {
  throw StoreUnavailable(
      fmt::format("sqlite {}: {} ({})", what, sqlite3_errmsg(db_), sqlite3_errstr(rc)));
}

WriteTransaction::WriteTransaction(Connection& c) : c_(c) {
  c_.exec("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (!done_) {
    try {
      c_.exec("ROLLBACK");
    } catch (...) {  // the connection is already in auto-commit after some errors
    }
  }
}

void WriteTransaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

ConnectionPool::ConnectionPool(std::string path, std::size_t max_connections)
    : path_(std::move(path)), max_connections_(std::max<std::size_t>(1, max_connections)) {}

std::unique_ptr<Connection> ConnectionPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
  }
  try {
    return std::make_unique<Connection>(path_);
  } catch (...) {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
    throw;
  }
}

void ConnectionPool::release(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(conn));
  available_.notify_one();
}

namespace {

constexpr const char* kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER NOT "
    "NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (module, version))";

int recorded_version(Connection& c, std::string_view module) {
  auto st = c.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations WHERE module = ?1");
  st.bind(1, module);
  return st.step() ? static_cast<int>(st.integer(0)) : 0;
}

}  // namespace

SchemaReport migrate(ConnectionPool& pool, std::string_view module,
                     std::span<const Migration> migrations) {
  const int known = static_cast<int>(migrations.size());
  return pool.with([&](Connection& c) {
    // BEGIN IMMEDIATE: processes starting together migrate one after the other; the later ones
    // find the versions recorded and apply nothing.
    WriteTransaction tx(c);
    c.exec(kMigrationsTable);
    SchemaReport report;
    report.from = recorded_version(c, module);
    if (report.from > known) throw SchemaTooNew(report.from, known);
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    for (const auto& m : migrations) {
      if (m.version <= report.from) continue;
      m.apply(c);
      auto record = c.prepare(
          "INSERT INTO schema_migrations (module, version, name, applied_at) "
          "VALUES (?1, ?2, ?3, ?4)");
      record.bind(1, module).bind(2, std::int64_t{m.version});
      record.bind(3, std::string_view(m.name)).bind(4, now);
      record.run();
      report.applied.push_back({m.version, m.name});
    }
    report.to = known;
    tx.commit();
    return report;
  });
}

int schema_version(ConnectionPool& pool, std::string_view module) {
  return pool.with([&](Connection& c) {
    auto exists = c.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    return exists.step() ? recorded_version(c, module) : 0;
  });
}

}  // namespace cinestream::sqlite
