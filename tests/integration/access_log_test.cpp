// The access log of the real server: a destination that does not keep up costs dropped lines
// (counted in /metrics), never an unanswered request; SIGHUP reopens a renamed file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>

#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::HttpClient;
using testing::ServerProcess;

// The value of an unlabelled counter in /metrics, or -1.
long long metric(std::uint16_t port, const std::string& name) {
  auto body = testing::http_get(port, "/metrics").body;
  std::smatch m;
  std::regex re("\n" + name + " ([0-9]+)\n");
  return std::regex_search(body, m, re) ? std::stoll(m[1]) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AccessLogServer, AFifoNobodyReadsDropsLinesAndEveryRequestIsAnswered) {
  testing::TempDir dir;
  auto fifo = dir.str() + "/access.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Open for reading and never read: the pipe fills and stays full.
  int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  ServerProcess s(dir.str(), {"--threads", "1", "--access-log-file", fifo, "--log-level", "warn"});
  // Long targets make long lines: the pipe (64 KiB) and the loop's buffers (4 x 64 KiB) hold
  // about a thousand of them.
  const std::string target = "/healthz?pad=" + std::string(200, 'x');
  constexpr int kClients = 4;
  constexpr int kPerClient = 1500;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      HttpClient client(s.port());
      for (int i = 0; i < kPerClient; ++i) {
        if (client.get(target).status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(ok.load(), kClients * kPerClient);
  EXPECT_GT(metric(s.port(), "cinestream_access_log_dropped_lines_total"), 0) << s.log();
  ::close(reader);
}

TEST(AccessLogServer, SighupReopensTheFileLogrotateRenamed) {
  testing::TempDir dir;
  auto path = dir.str() + "/access.log";
  ServerProcess s(dir.str(), {"--access-log-file", path, "--access-log-format", "json"});
  testing::http_get(s.port(), "/healthz", {{"X-Request-Id", "before-rotation"}});
  ASSERT_TRUE(eventually([&] {
    return read_file(path).find("before-rotation") != std::string::npos;
  })) << s.log();
  std::filesystem::rename(path, path + ".1");
  s.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return metric(s.port(), "cinestream_access_log_reopens_total") == 1;
  })) << s.log();
  testing::http_get(s.port(), "/healthz", {{"X-Request-Id", "after-rotation"}});
  ASSERT_TRUE(
      eventually([&] { return read_file(path).find("after-rotation") != std::string::npos; }));
  EXPECT_EQ(read_file(path + ".1").find("after-rotation"), std::string::npos);
  EXPECT_NE(read_file(path).find("{\"time\":"), std::string::npos);  // JSON lines
  EXPECT_EQ(testing::http_get(s.port(), "/healthz").status, 200u);   // still serving
}

TEST(AccessLogServer, TheSupervisorPassesSighupToEveryWorker) {
  testing::TempDir dir;
  auto path = dir.str() + "/access.log";
  ServerProcess s(dir.str(), {"--workers", "2", "--threads", "1", "--access-log-file", path});
  static const std::regex pid_re("cinestream_worker_info\\{pid=\"([0-9]+)\"");
  // Each worker's pid and whether it has reopened, from /metrics (a new connection each time).
  auto poll_workers = [&](std::map<std::string, bool>& seen) {
    auto body = testing::http_get(s.port(), "/metrics").body;
    std::smatch m;
    if (std::regex_search(body, m, pid_re)) {
      seen[m[1]] = body.find("\ncinestream_access_log_reopens_total 1\n") != std::string::npos;
    }
  };
  // Both workers serve (so both handle SIGHUP) before the rotation.
  std::map<std::string, bool> workers;
  ASSERT_TRUE(eventually(
      [&] {
        poll_workers(workers);
        return workers.size() == 2;
      },
      10s))
      << s.log();
  std::filesystem::rename(path, path + ".1");
  s.signal(SIGHUP);
  ASSERT_TRUE(eventually(
      [&] {
        poll_workers(workers);
        return workers.size() == 2 && workers.begin()->second && workers.rbegin()->second;
      },
      10s))
      << s.log();
  EXPECT_TRUE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace cinestream
