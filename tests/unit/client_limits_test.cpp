// Per-client abuse limits: address blocks, the client behind a trusted proxy, the request token
// bucket (time is passed in, nothing sleeps), connection slots and the memory bound.
#include <gtest/gtest.h>

#include "cinestream/http/client_limits.hpp"

namespace cinestream::http {
namespace {
namespace ip = boost::asio::ip;
using namespace std::chrono_literals;

ip::address addr(const char* s) {
  return ip::make_address(s);
}

TEST(ClientLimits, AddressBlocks) {
  auto blocks = parse_address_blocks(" 127.0.0.1, 10.0.0.0/8,::1 , 2001:db8::/32");
  ASSERT_EQ(blocks.size(), 4u);
  EXPECT_TRUE(blocks[0].contains(addr("127.0.0.1")));
  EXPECT_FALSE(blocks[0].contains(addr("127.0.0.2")));
  EXPECT_TRUE(blocks[1].contains(addr("10.200.3.4")));
  EXPECT_FALSE(blocks[1].contains(addr("11.0.0.1")));
  EXPECT_TRUE(blocks[2].contains(addr("::1")));
  EXPECT_TRUE(blocks[3].contains(addr("2001:db8:ffff::1")));
  EXPECT_FALSE(blocks[3].contains(addr("2001:db9::1")));
  // An IPv4 block never matches an IPv6 address that merely shares bytes.
  EXPECT_FALSE(parse_address_blocks("0.0.0.0/0")[0].contains(addr("2001:db8::1")));
  EXPECT_TRUE(parse_address_blocks("0.0.0.0/0")[0].contains(addr("8.8.8.8")));
  EXPECT_TRUE(parse_address_blocks("").empty());
  EXPECT_THROW(parse_address_blocks("localhost"), std::invalid_argument);
  EXPECT_THROW(parse_address_blocks("10.0.0.0/33"), std::invalid_argument);
  EXPECT_THROW(parse_address_blocks("10.0.0.0/"), std::invalid_argument);
  EXPECT_THROW(parse_address_blocks("::/129"), std::invalid_argument);
}

TEST(ClientLimits, ClientBehindATrustedProxy) {
  ClientLimitOptions o;
  o.trusted_proxies = parse_address_blocks("127.0.0.1");
  ClientLimits limits(o);
  // The proxy's headers name the client.
  EXPECT_EQ(limits.client_of(addr("127.0.0.1"), "203.0.113.9", ""), addr("203.0.113.9"));
  EXPECT_EQ(limits.client_of(addr("127.0.0.1"), "", "198.51.100.1, 203.0.113.9"),
            addr("203.0.113.9"));
  EXPECT_EQ(limits.client_of(addr("127.0.0.1"), "garbage", ""), addr("127.0.0.1"));
  // Anyone else cannot choose who they are.
  EXPECT_EQ(limits.client_of(addr("198.51.100.7"), "203.0.113.9", "203.0.113.9"),
            addr("198.51.100.7"));
}

TEST(ClientLimits, RequestBucketRefusesThenRefills) {
  ClientLimitOptions o;
  o.requests_per_second = 2;
  o.request_burst = 5;
  ClientLimits limits(o);
  auto t0 = ClientLimits::Clock::now();
  std::chrono::seconds retry{0};
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(limits.allow_request(addr("203.0.113.1"), t0, retry)) << i;
  EXPECT_FALSE(limits.allow_request(addr("203.0.113.1"), t0, retry));
  EXPECT_EQ(retry, 1s);
  // Another client has its own bucket.
  EXPECT_TRUE(limits.allow_request(addr("203.0.113.2"), t0, retry));
  // Half a second later one token (2 per second) is back, and only one.
  EXPECT_TRUE(limits.allow_request(addr("203.0.113.1"), t0 + 500ms, retry));
  EXPECT_FALSE(limits.allow_request(addr("203.0.113.1"), t0 + 500ms, retry));
  // Never more than the burst, however long the client was away.
  auto later = t0 + 1h;
  int allowed = 0;
  while (limits.allow_request(addr("203.0.113.1"), later, retry))
    ++allowed;
  EXPECT_EQ(allowed, 5);
}

TEST(ClientLimits, SlowRateTellsWhenToComeBack) {
  ClientLimitOptions o;
  o.requests_per_second = 0;
  ClientLimits off(o);
  std::chrono::seconds retry{0};
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(off.allow_request(addr("203.0.113.1"), ClientLimits::Clock::now(), retry));
  o.requests_per_second = 1;  // integer rates only in config, but the bucket takes fractions
  o.request_burst = 1;
  ClientLimits slow(o);
  auto t0 = ClientLimits::Clock::now();
  EXPECT_TRUE(slow.allow_request(addr("203.0.113.1"), t0, retry));
  EXPECT_FALSE(slow.allow_request(addr("203.0.113.1"), t0 + 100ms, retry));
  EXPECT_EQ(retry, 1s);
}

TEST(ClientLimits, ConnectionSlots) {
  ClientLimitOptions o;
  o.max_connections = 2;
  o.trusted_proxies = parse_address_blocks("127.0.0.1");
  ClientLimits limits(o);
  auto a = limits.open_connection(addr("198.51.100.1"));
  auto b = limits.open_connection(addr("198.51.100.1"));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->counted());
  EXPECT_FALSE(limits.open_connection(addr("198.51.100.1")));
  EXPECT_TRUE(limits.open_connection(addr("198.51.100.2")));  // others are not affected
  a.reset();                                                  // a closed connection frees its slot
  auto c = limits.open_connection(addr("198.51.100.1"));
  ASSERT_TRUE(c);
  // Moving a slot keeps one count.
  auto moved = std::move(*c);
  c.reset();
  EXPECT_FALSE(limits.open_connection(addr("198.51.100.1")));
  // The proxy carries many clients' connections.
  std::vector<ClientLimits::ConnectionSlot> proxy;
  for (int i = 0; i < 10; ++i) {
    auto s = limits.open_connection(addr("127.0.0.1"));
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->counted());
    proxy.push_back(std::move(*s));
  }
}

TEST(ClientLimits, MemoryIsBoundedAndBusyClientsAreKept) {
  ClientLimitOptions o;
  o.requests_per_second = 10;
  o.request_burst = 10;
  o.max_connections = 1;
  o.tracked_clients = 64 * 16;  // 16 per shard
  ClientLimits limits(o);
  auto held = limits.open_connection(addr("198.51.100.200"));
  ASSERT_TRUE(held && held->counted());
  auto t0 = ClientLimits::Clock::now();
  std::chrono::seconds retry{0};
  for (int i = 0; i < 20'000; ++i) {
    auto a = ip::make_address_v4(static_cast<ip::address_v4::uint_type>(0x0A000000 + i));
    limits.allow_request(a, t0 + std::chrono::milliseconds(i), retry);
  }
  EXPECT_LE(limits.tracked(), 64u * 16u);
  // The client holding a connection was not forgotten: its second connection is still refused.
  EXPECT_FALSE(limits.open_connection(addr("198.51.100.200")));
}

// One IPv6 /64 is one client (a host gets a whole /64 and chooses among its addresses), and an
// IPv4-mapped IPv6 address is the IPv4 client; for requests and connections alike.
TEST(ClientLimits, Ipv6ClientsAreTheirSlash64) {
  ClientLimitOptions o;
  o.requests_per_second = 1;
  o.request_burst = 2;
  o.max_connections = 1;
  ClientLimits limits(o);
  auto t0 = ClientLimits::Clock::now();
  std::chrono::seconds retry{0};
  EXPECT_TRUE(limits.allow_request(addr("2001:db8:1:2::1"), t0, retry));
  EXPECT_TRUE(limits.allow_request(addr("2001:db8:1:2::2"), t0, retry));
  EXPECT_FALSE(limits.allow_request(addr("2001:db8:1:2:ffff:ffff:ffff:ffff"), t0, retry));
  EXPECT_TRUE(limits.allow_request(addr("2001:db8:1:3::1"), t0, retry));  // another /64
  EXPECT_TRUE(limits.allow_request(addr("203.0.113.1"), t0, retry));
  EXPECT_TRUE(limits.allow_request(addr("::ffff:203.0.113.1"), t0, retry));
  EXPECT_FALSE(limits.allow_request(addr("203.0.113.1"), t0, retry));
  auto held = limits.open_connection(addr("2001:db8:1:2::1"));
  ASSERT_TRUE(held && held->counted());
  EXPECT_FALSE(limits.open_connection(addr("2001:db8:1:2::99")));
  auto v4 = limits.open_connection(addr("::ffff:198.51.100.1"));
  ASSERT_TRUE(v4 && v4->counted());
  EXPECT_FALSE(limits.open_connection(addr("198.51.100.1")));
}

// When the table is full of clients that cannot be forgotten (spent buckets, open connections),
// new clients are refused: a full table never switches limiting off, and nobody's spent bucket
// is reset to make room. Once buckets refill, their clients are forgotten and new ones fit.
TEST(ClientLimits, FullTableRefusesNewClientsInsteadOfDisablingLimits) {
  ClientLimitOptions o;
  o.requests_per_second = 1;
  o.request_burst = 1;
  o.max_connections = 1;
  o.tracked_clients = 64 * 16;  // 16 per shard
  ClientLimits limits(o);
  auto t0 = ClientLimits::Clock::now();
  std::chrono::seconds retry{0};
  ASSERT_TRUE(limits.allow_request(addr("203.0.113.1"), t0, retry));
  int refused = 0;
  for (int i = 0; i < 5'000; ++i) {
    auto a = ip::make_address_v4(static_cast<ip::address_v4::uint_type>(0x0A000000 + i));
    if (!limits.allow_request(a, t0, retry)) ++refused;
  }
  EXPECT_LE(limits.tracked(), 64u * 16u);
  EXPECT_GE(refused, 5'000 - 64 * 16);
  EXPECT_FALSE(limits.allow_request(addr("203.0.113.1"), t0, retry));  // still spent
  // Connections: a full table refuses a new client's connection rather than not counting it.
  auto fresh = ip::make_address_v4(static_cast<ip::address_v4::uint_type>(0x0B000000));
  EXPECT_FALSE(limits.open_connection(fresh));
  // Ten seconds later every bucket is full again: those clients are forgotten, new ones fit.
  EXPECT_TRUE(limits.allow_request(fresh, t0 + 10s, retry));
  auto slot = limits.open_connection(fresh);
  ASSERT_TRUE(slot && slot->counted());
}

}  // namespace
}  // namespace cinestream::http
