// DnsResolver: c-ares driven by Asio, against a DNS responder on 127.0.0.1 (no other traffic).
#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "cinestream/net/dns_resolver.hpp"
#include "support/net_async.hpp"
#include "support/net_dns_responder.hpp"

namespace cinestream::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::DnsResponder;
using testing::elapsed_ms;
using testing::error_of;
using testing::run_on;
using Addresses = std::vector<asio::ip::address>;

const std::map<std::string, asio::ip::address_v4> kRecords = {
    {"gemini.test", asio::ip::make_address_v4("127.0.0.1")},
    {"other.test", asio::ip::make_address_v4("127.0.0.7")},
};

TEST(DnsResponderSelfTest, AnswersAKnownNameAndRefusesGarbage) {
  // The query c-ares would send for "gemini.test" A (id 0x1234, RD).
  std::vector<std::uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
                                 0,    0,    6,    'g',  'e', 'm', 'i', 'n', 'i', 4,
                                 't',  'e',  's',  't',  0,   0,   1,   0,   1};
  DnsResponder::Query parsed;
  auto r = DnsResponder::answer(q, kRecords, &parsed);
  ASSERT_TRUE(r);
  EXPECT_EQ(parsed.name, "gemini.test");
  EXPECT_EQ(parsed.type, 1);
  ASSERT_EQ(r->size(), q.size() + 16);
  EXPECT_EQ((*r)[0], 0x12);
  EXPECT_EQ((*r)[3] & 0x0F, 0);  // NOERROR
  EXPECT_EQ((*r)[7], 1);         // one answer
  EXPECT_EQ(std::vector<std::uint8_t>(r->end() - 4, r->end()),
            (std::vector<std::uint8_t>{127, 0, 0, 1}));
  q[13] = 'x';  // "gxmini.test": unknown
  r = DnsResponder::answer(q, kRecords, nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[3] & 0x0F, 3);  // NXDOMAIN
  EXPECT_FALSE(DnsResponder::answer({1, 2, 3}, kRecords, nullptr));
}

TEST(DnsResolver, ResolvesThroughTheConfiguredServer) {
  asio::io_context io{1};
  DnsResponder dns(io, kRecords);
  DnsResolver resolver(io.get_executor(), {dns.server()}, 1000ms, 1);
  Addresses gemini, other;
  auto body = [&]() -> asio::awaitable<void> {
    gemini = co_await resolver.resolve("gemini.test");
    other = co_await resolver.resolve("OTHER.test");
  };
  run_on(io, body);
  EXPECT_EQ(gemini, Addresses{asio::ip::make_address("127.0.0.1")});
  EXPECT_EQ(other, Addresses{asio::ip::make_address("127.0.0.7")});
  EXPECT_GE(dns.queries_for("gemini.test"), 1u);  // it really came from our server
  EXPECT_GE(dns.queries_for("other.test"), 1u);
  for (const auto& q : dns.queries()) {
    // Asked as given: no search domain from resolv.conf was appended.
    EXPECT_TRUE(q.name == "gemini.test" || q.name == "other.test") << q.name;
  }
}

TEST(DnsResolver, UnknownNameThrowsDnsError) {
  asio::io_context io{1};
  DnsResponder dns(io, kRecords);
  DnsResolver resolver(io.get_executor(), {dns.server()}, 1000ms, 1);
  std::optional<HttpError> error;
  auto body = [&]() -> asio::awaitable<void> {
    error = co_await error_of(resolver.resolve("nowhere.test"));
  };
  run_on(io, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::dns);
  EXPECT_NE(std::string(error->what()).find("nowhere.test"), std::string::npos) << error->what();
  EXPECT_GE(dns.queries_for("nowhere.test"), 1u);
}

TEST(DnsResolver, SilentServerTimesOutWithinTheTimeout) {
  asio::io_context io{1};
  DnsResponder dns(io, kRecords, /*silent=*/true);
  DnsResolver resolver(io.get_executor(), {dns.server()}, 300ms, 1);
  std::optional<HttpError> error;
  long long took = 0;
  auto body = [&]() -> asio::awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    error = co_await error_of(resolver.resolve("gemini.test"));
    took = elapsed_ms(start);
  };
  run_on(io, body, 5s);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::dns);
  EXPECT_GE(took, 250);   // it waited for the answer...
  EXPECT_LT(took, 1500);  // ...but only about the 300 ms asked for, not c-ares' 5 s x 4
  EXPECT_GE(dns.queries_for("gemini.test"), 1u);
}

TEST(DnsResolver, DeadlineStopsTheWaitWithTimeout) {
  asio::io_context io{1};
  DnsResponder dns(io, kRecords, /*silent=*/true);
  DnsResolver resolver(io.get_executor(), {dns.server()}, 3000ms, 1);
  std::optional<HttpError> error;
  long long took = 0;
  auto body = [&]() -> asio::awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    error = co_await error_of(resolver.resolve("gemini.test", start + 200ms));
    took = elapsed_ms(start);
  };
  run_on(io, body, 5s);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::timeout);
  EXPECT_GE(took, 150);
  EXPECT_LT(took, 1000);
}

TEST(DnsResolver, NumericHostsAndLocalhostNeedNoQuery) {
  asio::io_context io{1};
  DnsResponder dns(io, kRecords);
  DnsResolver resolver(io.get_executor(), {dns.server()}, 1000ms, 1);
  Addresses v4, v6, bracketed, local;
  auto body = [&]() -> asio::awaitable<void> {
    v4 = co_await resolver.resolve("127.0.0.1");
    v6 = co_await resolver.resolve("::1");
    bracketed = co_await resolver.resolve("[::1]");
    local = co_await resolver.resolve("localhost");
  };
  run_on(io, body);
  EXPECT_EQ(v4, Addresses{asio::ip::make_address("127.0.0.1")});
  EXPECT_EQ(v6, Addresses{asio::ip::make_address("::1")});
  EXPECT_EQ(bracketed, v6);
  ASSERT_FALSE(local.empty());
  for (const auto& a : local)
    EXPECT_TRUE(a.is_loopback()) << a.to_string();
  EXPECT_EQ(dns.queries().size(), 0u);
}

TEST(DnsResolver, ConcurrentLookupsShareTheChannel) {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io{1};
  DnsResponder dns(io, kRecords);
  DnsResolver resolver(io.get_executor(), {dns.server()}, 1000ms, 1);
  std::tuple<Addresses, Addresses, Addresses> got;
  auto body = [&]() -> asio::awaitable<void> {
    got = co_await (resolver.resolve("gemini.test") && resolver.resolve("other.test") &&
                    resolver.resolve("gemini.test"));
  };
  run_on(io, body);
  EXPECT_EQ(std::get<0>(got), Addresses{asio::ip::make_address("127.0.0.1")});
  EXPECT_EQ(std::get<1>(got), Addresses{asio::ip::make_address("127.0.0.7")});
  EXPECT_EQ(std::get<2>(got), Addresses{asio::ip::make_address("127.0.0.1")});
}

TEST(DnsResolver, DestroyingTheResolverFailsPendingLookups) {
  asio::io_context io{1};
  DnsResponder dns(io, kRecords, /*silent=*/true);
  auto resolver = std::make_unique<DnsResolver>(io.get_executor(),
                                                std::vector<std::string>{dns.server()}, 5000ms, 1);
  std::optional<HttpError> error;
  bool finished = false;
  auto lookup = [&]() -> asio::awaitable<void> {
    error = co_await error_of(resolver->resolve("gemini.test"));
    finished = true;
  };
  auto body = [&]() -> asio::awaitable<void> {
    asio::co_spawn(io, lookup(), asio::detached);
    co_await testing::sleep_for(50ms);
    resolver.reset();  // the lookup is still waiting on the silent server
    for (int i = 0; i < 100 && !finished; ++i)
      co_await testing::sleep_for(5ms);
  };
  run_on(io, body, 3s);
  ASSERT_TRUE(finished);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), HttpErrorKind::dns);
}

TEST(DnsResolver, RejectsAMalformedServerList) {
  asio::io_context io{1};
  EXPECT_THROW(DnsResolver(io.get_executor(), {"not an address"}), HttpError);
}

}  // namespace
}  // namespace cinestream::net
