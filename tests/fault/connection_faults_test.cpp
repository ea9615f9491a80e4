// Connection floods and slow clients: 10,000 idle keep-alive connections held at once, a
// slowloris crowd sending headers a byte at a time, and a reader that pipelines requests but
// never reads. What must hold: the server keeps serving everyone else, memory per idle
// connection stays under a stated bound, and deadlines cut the slow clients off.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "fault/fault_support.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::fault {
namespace {

// A plain blocking loopback socket; closed on destruction.
struct Socket {
  int fd = -1;
  explicit Socket(std::uint16_t port, int receive_buffer = 0) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    if (receive_buffer > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      int e = errno;
      ::close(fd);
      throw std::runtime_error("connect: " + std::string(std::strerror(e)));
    }
  }
  Socket(Socket&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
  bool send_all(std::string_view s) {
    while (!s.empty()) {
      auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads one small response (headers + Content-Length body); false on close or error.
  bool read_response() {
    std::string in;
    char buf[4096];
    for (;;) {
      auto end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        std::size_t len = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + len) return in.starts_with("HTTP/1.1 200");
      }
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  // True once the server has closed or reset the connection (unread data may remain).
  bool closed_by_peer(int timeout_ms) {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }
};

// Raises this process's descriptor limit (children inherit it); false if the hard limit is lower.
bool ensure_descriptors(rlim_t want) {
  rlimit l{};
  ::getrlimit(RLIMIT_NOFILE, &l);
  if (l.rlim_cur >= want) return true;
  if (l.rlim_max < want) return false;
  l.rlim_cur = want;
  return ::setrlimit(RLIMIT_NOFILE, &l) == 0;
}

// Stated bound: an idle keep-alive connection costs the server at most this much resident memory
// (socket state in the kernel is not counted in RSS).
constexpr long kMaxBytesPerIdleConnection = 16 * 1024;

TEST(ConnectionFaults, TenThousandIdleKeepAliveConnections) {
  constexpr int kConnections = 10'000;
  if (!ensure_descriptors(kConnections + 500)) {
    GTEST_SKIP() << "the descriptor hard limit is below " << kConnections + 500;
  }
  testing::TempDir dir;
  testing::ServerProcess s(dir.str(), {"--max-connections-per-client", "0", "--idle-timeout-ms",
                                       "300000", "--log-level", "warn", "--access-log", "false"});
  std::vector<Socket> held;
  held.reserve(kConnections);
  auto open_some = [&](int n) {
    for (int i = 0; i < n; ++i) {
      held.emplace_back(s.port());
      ASSERT_TRUE(held.back().send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
      ASSERT_TRUE(held.back().read_response()) << "connection " << held.size();
    }
  };
  open_some(200);  // warm: allocator arenas, frames, buffers of the first connections
  long before = rss_kib(s.pid());
  open_some(kConnections - 200);
  ASSERT_EQ(read_metric(s.port(), "cinestream_connections_open"), kConnections + 1);
  long after = rss_kib(s.pid());
  double per_connection = (after - before) * 1024.0 / (kConnections - 200);
  std::cout << "[ fault    ] " << kConnections << " idle keep-alive connections: RSS " << before
            << " KiB -> " << after << " KiB, " << per_connection << " bytes per connection\n";
  EXPECT_LT(per_connection, kMaxBytesPerIdleConnection);
  // Everyone else is still served, and the idle ones are all still usable.
  ReadLoad others(s.port(), {"/healthz", "/api/locations"}, 4, 2000);
  others.finish();
  EXPECT_EQ(others.stats().statuses[200], 2000) << others.stats().summary();
  for (int i = 0; i < kConnections; i += 997) {
    ASSERT_TRUE(held[i].send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_TRUE(held[i].read_response()) << i;
  }
  held.clear();
  EXPECT_TRUE(
      eventually([&] { return read_metric(s.port(), "cinestream_connections_open") == 1; }, 20s));
}

TEST(ConnectionFaults, SlowlorisIsCutOffWhileOthersAreServed) {
  testing::TempDir dir;
  testing::ServerProcess s(
      dir.str(), {"--header-timeout-ms", "1000", "--log-level", "warn", "--access-log", "false"});
  std::vector<Socket> slow;
  for (int i = 0; i < 200; ++i) {
    slow.emplace_back(s.port());
    ASSERT_TRUE(slow.back().send_all("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  // They trickle one byte each while an ordinary client makes its requests.
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (auto& c : slow)
        c.send_all("a");
      std::this_thread::sleep_for(100ms);
    }
  });
  ReadLoad ordinary(s.port(), {"/", "/api/locations", "/healthz"}, 2, 3000);
  ordinary.finish();
  auto stats = ordinary.stats();
  // The header deadline closes every slow connection, however steadily it trickles.
  int cut = 0;
  for (auto& c : slow)
    cut += c.closed_by_peer(10'000) ? 1 : 0;
  stop = true;
  trickle.join();
  std::cout << "[ fault    ] beside 200 slowloris connections: " << stats.summary() << "; cut "
            << cut << "/200\n";
  EXPECT_EQ(stats.statuses[200], 3000) << stats.summary();
  EXPECT_EQ(cut, 200);
}

TEST(ConnectionFaults, ReaderThatNeverReadsIsCutOffByTheWriteDeadline) {
  testing::TempDir dir;
  testing::ServerProcess s(
      dir.str(), {"--write-timeout-ms", "1000", "--log-level", "warn", "--access-log", "false"});
  // 2,000 pipelined requests for a 56 KB script, then nothing read: the server's writes block.
  Socket hog(s.port(), 4096);
  std::string requests;
  for (int i = 0; i < 2000; ++i)
    requests += "GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n";
  std::thread writer([&] { hog.send_all(requests); });
  ReadLoad others(s.port(), {"/", "/healthz"}, 2, 2000);
  others.finish();
  EXPECT_EQ(others.stats().statuses[200], 2000) << others.stats().summary();
  EXPECT_TRUE(hog.closed_by_peer(15'000));
  ::shutdown(hog.fd, SHUT_RDWR);  // let the writer thread finish if it is still blocked
  writer.join();
  EXPECT_TRUE(
      eventually([&] { return read_metric(s.port(), "cinestream_connections_open") == 1; }, 10s));
}

}  // namespace
}  // namespace cinestream::fault
