// `serve --workers 2`: a supervisor and two pinned worker processes on one port.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <regex>
#include <set>

#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::ServerProcess;

// The pid of the worker that answered, from /metrics (each request on a new connection).
int worker_pid(std::uint16_t port) {
  auto body = testing::http_get(port, "/metrics").body;
  std::smatch m;
  static const std::regex re("cinestream_worker_info\\{pid=\"([0-9]+)\"");
  return std::regex_search(body, m, re) ? std::stoi(m[1]) : -1;
}

// Workers start one after another: ask until `want` different ones answered (bounded).
std::set<int> pids_seen(std::uint16_t port, std::size_t want) {
  std::set<int> pids;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (pids.size() < want && std::chrono::steady_clock::now() < until) {
    pids.insert(worker_pid(port));
  }
  return pids;
}

std::vector<std::string> two_workers() {
  return {"--workers", "2", "--threads", "1", "--log-level", "warn"};
}

TEST(Workers, TwoWorkersAnswerOnOnePort) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), two_workers());
  auto pids = pids_seen(s.port(), 2);
  EXPECT_EQ(pids.size(), 2u) << s.log();
  EXPECT_FALSE(pids.contains(-1));
  EXPECT_FALSE(pids.contains(s.pid()));  // the supervisor itself serves nothing
}

TEST(Workers, AKilledWorkerIsReplacedWhileTheOtherServes) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), two_workers());
  auto before = pids_seen(s.port(), 2);
  ASSERT_EQ(before.size(), 2u);
  int victim = *before.begin();
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  // Once the victim is gone, every request is answered (by the survivor, then by both).
  while (::kill(victim, 0) == 0)
    std::this_thread::sleep_for(5ms);
  int ok = 0;
  std::set<int> after;
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until && after.size() < 2) {
    auto r = testing::http_get(s.port(), "/healthz");
    ok += r.status == 200;
    EXPECT_EQ(r.status, 200u);
    after.insert(worker_pid(s.port()));
  }
  EXPECT_GT(ok, 0);
  EXPECT_EQ(after.size(), 2u);
  EXPECT_FALSE(after.contains(victim));  // replaced by a new process
  EXPECT_NE(s.log().find("restarting in"), std::string::npos);
}

TEST(Workers, SigtermUnderLoadDrainsWithoutFailedRequests) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), two_workers());
  std::atomic<int> answered{0}, failed{0};
  std::atomic<bool> stop{false};
  auto client = [&] {
    // Keep-alive clients: a request either gets a whole answer, or the server closed the idle
    // connection before reading it (which HTTP lets a client retry), or the port is closed.
    while (!stop) {
      try {
        HttpClient c(s.port());
        for (int i = 0; i < 50 && !stop; ++i) {
          testing::HttpResult r;
          try {
            r = c.get("/api/locations?limit=3");
          } catch (const std::exception&) {
            break;  // closed before an answer began: retry on a new connection
          }
          if (r.status == 200 && r.body.find("\"locations\"") != std::string::npos) {
            ++answered;
          } else {
            ++failed;
          }
          if (r.header("connection") == "close") break;
        }
      } catch (const std::exception&) {
        return;  // connection refused: the server has stopped accepting
      }
    }
  };
  std::vector<std::future<void>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(std::async(std::launch::async, client));
  while (answered < 200)
    std::this_thread::sleep_for(5ms);
  s.signal(SIGTERM);
  EXPECT_EQ(s.wait_exit(15s), 0);
  stop = true;
  for (auto& c : clients)
    c.get();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GE(answered.load(), 200);
}

}  // namespace
}  // namespace cinestream
