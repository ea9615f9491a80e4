#pragma once
// The MongoDB server the tests use: a real server named by CINESTREAM_TEST_MONGO_URI, else the
// CongoDB wire-protocol peer (tests/mongo_peer, installed by ops/install-deps.sh) started on a free
// loopback port and stopped when the test binary exits. The peer fakes some behaviours (see
// /work/shared/notes/cpp-stack.md): tests of those call skip_unless_real_mongo().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "support/port_file_child.hpp"

namespace cinestream::testing {

// A CongoDB process on 127.0.0.1; SIGTERM at destruction. Its standard input is a pipe we hold,
// so it also exits if this process dies without cleaning up.
class MongoPeer {
 public:
  // Empty uri() with reason() set when the peer is not installed or does not start.
  MongoPeer() {
    namespace fs = std::filesystem;
    fs::path dir = fs::path(CINESTREAM_SOURCE_DIR) / "tests" / "mongo_peer";
    if (!fs::exists(dir / "vendor" / "congodb" / "index.js")) {
      reason_ = "the MongoDB test peer is not installed (run tests/mongo_peer/install.sh)";
      return;
    }
    // A directory of its own: pids repeat across the thousands of test processes of a CI run,
    // and a run killed by a timeout leaves its files behind.
    std::string pattern = (fs::temp_directory_path() / "cinestream-mongo-peer-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) {
      reason_ = "cannot create a directory for the MongoDB test peer in " +
                fs::temp_directory_path().string();
      return;
    }
    dir_ = pattern;
    log_file_ = dir_ + "/log";
    if (child_.start({"node", (dir / "peer.mjs").string(), dir_ + "/port"}, dir_ + "/port",
                     log_file_, std::chrono::seconds(20)))
      return;
    auto exited = child_.exit_status();
    reason_ = !exited          ? "the MongoDB test peer did not start within 20 s: " + log()
              : *exited == 127 ? "node (Node.js) was not found to run the MongoDB test peer"
                               : "the MongoDB test peer exited during start-up: " + log();
    stop();
  }
  ~MongoPeer() { stop(); }
  MongoPeer(const MongoPeer&) = delete;
  MongoPeer& operator=(const MongoPeer&) = delete;

  bool running() const { return child_.running(); }
  int port() const { return child_.port(); }
  const std::string& reason() const { return reason_; }
  std::string uri(const std::string& database = "") const {
    return "mongodb://127.0.0.1:" + std::to_string(port()) + "/" + database +
           "?serverSelectionTimeoutMS=3000&connectTimeoutMS=2000";
  }
  std::string log() const { return child_.log(); }

  // Stops the peer (SIGTERM, then SIGKILL after 5 s); idempotent.
  void stop() {
    child_.stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

 private:
  PortFileChild child_;
  std::string dir_;
  std::string log_file_;
  std::string reason_;
};

// Where MongoDB tests connect. `real` only for CINESTREAM_TEST_MONGO_URI.
struct MongoTarget {
  bool real = false;
  std::string base_uri;  // empty: no server (see reason)
  std::string reason;
  std::unique_ptr<MongoPeer> peer;

  // The base URI with `database` as its database.
  std::string uri(const std::string& database) const {
    if (!real) return peer->uri(database);
    mongoc_uri_t* u = mongoc_uri_new(base_uri.c_str());
    if (!u) return base_uri;
    mongoc_uri_set_database(u, database.c_str());
    std::string out = mongoc_uri_get_string(u);
    mongoc_uri_destroy(u);
    return out;
  }
};

inline const MongoTarget& mongo_target() {
  static MongoTarget target = [] {
    MongoTarget t;
    mongoc_init();
    if (const char* env = std::getenv("CINESTREAM_TEST_MONGO_URI"); env && *env) {
      t.real = true;
      t.base_uri = env;
      return t;
    }
    t.peer = std::make_unique<MongoPeer>();
    if (t.peer->running()) {
      t.base_uri = t.peer->uri();
    } else {
      t.reason = t.peer->reason();
    }
    return t;
  }();
  return target;
}

// A database name unique to this process and call.
inline std::string unique_database(const std::string& prefix = "cs_test") {
  static std::atomic<int> counter{0};
  return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

// Drops a test database (best effort: the test's own data only).
inline void drop_database(const std::string& uri) {
  mongoc_client_t* client = mongoc_client_new(uri.c_str());
  if (!client) return;
  const char* db_name = mongoc_uri_get_database(mongoc_client_get_uri(client));
  if (db_name && *db_name) {
    mongoc_database_t* db = mongoc_client_get_database(client, db_name);
    bson_error_t error;
    mongoc_database_drop(db, &error);
    mongoc_database_destroy(db);
  }
  mongoc_client_destroy(client);
}

// CI sets CINESTREAM_REQUIRE_MONGO=1 (ops/test.sh): there a missing server fails the test instead
// of skipping it, so the MongoDB cases cannot silently stop running.
inline bool mongo_required() {
  const char* v = std::getenv("CINESTREAM_REQUIRE_MONGO");
  return v && std::string(v) == "1";
}

#define CINESTREAM_SKIP_WITHOUT_MONGO()                                    \
  do {                                                                     \
    const auto& cinestream_target = ::cinestream::testing::mongo_target(); \
    if (cinestream_target.base_uri.empty()) {                              \
      if (::cinestream::testing::mongo_required())                         \
        GTEST_FAIL() << "no MongoDB server (CINESTREAM_REQUIRE_MONGO=1): " \
                     << cinestream_target.reason;                          \
      GTEST_SKIP() << "no MongoDB server: " << cinestream_target.reason;   \
    }                                                                      \
  } while (0)

// For behaviour the wire-protocol peer only fakes (unique indexes, TTL, geo, positional updates).
#define CINESTREAM_SKIP_UNLESS_REAL_MONGO(what)                                              \
  do {                                                                                       \
    CINESTREAM_SKIP_WITHOUT_MONGO();                                                         \
    if (!::cinestream::testing::mongo_target().real)                                         \
      GTEST_SKIP() << "needs a real MongoDB (set CINESTREAM_TEST_MONGO_URI): the test peer " \
                      "fakes "                                                               \
                   << what;                                                                  \
  } while (0)

}  // namespace cinestream::testing
