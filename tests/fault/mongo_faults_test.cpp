// The MongoDB store crashing in the middle of a scrape and coming back with its data at the same
// address. The crash is made by a TCP relay between the server and the wire-protocol peer: it
// resets every connection and refuses new ones, then accepts again (the peer keeps its data in
// memory, as a restarted mongod keeps it on disk). What must hold: while it is down, requests get
// 200 from what is cached or a clear 503 `unavailable` (never another 5xx, never a crash); once it
// is back, the lock recovers after its lease, the scrape completes with exactly the fault-free
// data, and nothing stored before the crash is lost or duplicated.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <list>

#include "fault/fault_support.hpp"
#include "support/mongo_peer.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::fault {
namespace {

constexpr int kSeed = 8;  // the stand-in's world for this suite

// A loopback TCP relay that can drop everything (down) and come back on the same port (up).
class Relay {
 public:
  explicit Relay(int upstream) : upstream_(upstream) { listen(0); }
  ~Relay() {
    down();
    for (auto& t : pipes_)
      t.join();
  }
  int port() const { return port_; }

  // Resets every relayed connection and refuses new ones.
  void down() {
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
      if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);
      for (int fd : open_)
        ::shutdown(fd, SHUT_RDWR);
    }
    if (acceptor_.joinable()) acceptor_.join();
    std::lock_guard lock(mutex_);
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
  }
  void up() { listen(port_); }

 private:
  void listen(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
      throw std::runtime_error("relay: cannot listen");
    }
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    {
      std::lock_guard lock(mutex_);
      listener_ = fd;
      accepting_ = true;
    }
    acceptor_ = std::thread([this, fd] {
      for (;;) {
        int client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in u{};
        u.sin_family = AF_INET;
        u.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        u.sin_port = htons(static_cast<std::uint16_t>(upstream_));
        std::lock_guard lock(mutex_);
        if (!accepting_ || ::connect(server, reinterpret_cast<sockaddr*>(&u), sizeof u) != 0) {
          ::close(client);
          ::close(server);
          continue;
        }
        open_.push_back(client);
        open_.push_back(server);
        pipes_.emplace_back([this, client, server] { pump(client, server); });
      }
    });
  }
  void pump(int a, int b) {
    char buf[16384];
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    for (bool done = false; !done;) {
      if (::poll(p, 2, 1000) < 0) break;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!p[i].revents) continue;
        auto n = ::recv(p[i].fd, buf, sizeof buf, 0);
        if (n <= 0 || ::send(p[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) {
          done = true;
        }
      }
    }
    std::lock_guard lock(mutex_);
    open_.remove(a);
    open_.remove(b);
    // A reset, as a crashed server's connections end.
    linger l{1, 0};
    ::setsockopt(a, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(a);
    ::close(b);
  }

  int upstream_;
  int port_ = 0;
  std::mutex mutex_;
  int listener_ = -1;
  bool accepting_ = false;
  std::list<int> open_;
  std::thread acceptor_;
  std::list<std::thread> pipes_;
};

TEST(MongoFaults, StoreKilledAndRestartedMidScrape) {
  testing::TempDir dir, reference_dir;
  const auto& target = testing::mongo_target();
  if (target.base_uri.empty()) {
    if (testing::mongo_required()) GTEST_FAIL() << "no MongoDB test peer: " << target.reason;
    GTEST_SKIP() << "no MongoDB test peer: " << target.reason;
  }
  if (target.real) GTEST_SKIP() << "relays only to the local test peer";
  Relay relay(target.peer->port());
  CityData truth;
  {
    testing::ServerProcess ref(reference_dir.str(), demo(kSeed, "{}"));
    ASSERT_EQ(scrape_until_fresh(ref.port(), "lviv", 1), "fresh");
    truth = city_data(ref.port(), "lviv");
  }
  auto database = testing::unique_database("cs_fault");
  auto uri = "mongodb://127.0.0.1:" + std::to_string(relay.port()) + "/" + database +
             "?serverSelectionTimeoutMS=2000&connectTimeoutMS=1000";
  std::map<std::string, std::string> env{{"MONGO_URI", uri}};
  testing::ServerProcess s(dir.str(),
                           demo(kSeed, R"({"latency_ms": 400})",
                                {"--scrape-lease-ms", "2000", "--scrape-watchdog-ms", "300"}),
                           env);
  ASSERT_EQ(scrape_until_fresh(s.port(), "kyiv", 1), "fresh");
  auto kyiv_before = city_data(s.port(), "kyiv");
  ASSERT_GT(kyiv_before.showtimes.size(), 50u);

  ReadLoad readers(s.port(), {"/api/showtimes?city=kyiv", "/api/movies?city=kyiv", "/healthz"}, 3);
  ASSERT_EQ(start_scrape(s.port(), "lviv"), 202u);
  ASSERT_TRUE(eventually([&] { return days_covered(s.port(), "lviv") >= 2; }, 30s));
  relay.down();
  // Down: the server answers, clearly.
  ASSERT_TRUE(eventually([&] { return get(s.port(), "/healthz").status == 503u; }, 10s));
  auto down = get(s.port(), "/api/scrape/status/lviv");
  EXPECT_EQ(down.status, 503u) << down.body;
  EXPECT_NE(down.body.find("\"code\":\"unavailable\""), std::string::npos) << down.body;
  std::this_thread::sleep_for(1s);  // the scrape meets the outage
  relay.up();
  ASSERT_TRUE(eventually([&] { return get(s.port(), "/healthz").status == 200u; }, 20s));

  auto status = scrape_until_fresh(s.port(), "lviv", 8);
  readers.stop();
  auto stats = readers.stats();
  std::cout << "[ fault    ] reads across a MongoDB crash and restart: " << stats.summary() << "\n";
  EXPECT_EQ(stats.server_errors(), stats.statuses[503]) << "only 503s: " << stats.summary();
  EXPECT_GT(stats.statuses[200], 100) << stats.summary();
  EXPECT_EQ(status, "fresh");
  auto lviv = city_data(s.port(), "lviv");
  EXPECT_EQ(lviv.rows, lviv.showtimes.size()) << "duplicated showtimes";
  EXPECT_EQ(inner_days(lviv.showtimes), inner_days(truth.showtimes));
  EXPECT_EQ(inner_days(city_data(s.port(), "kyiv").showtimes), inner_days(kyiv_before.showtimes));
  EXPECT_EQ(::kill(s.pid(), 0), 0);
  testing::drop_database(target.uri(database));
}

}  // namespace
}  // namespace cinestream::fault
