#pragma once
// Per-client abuse limits: a token bucket of requests per client address and a bound on the
// connections one address may hold open. Clients are told apart by their address; behind a
// reverse proxy the operator configured as trusted (--trusted-proxies; none by default, so no
// local process can name itself) the address comes from its X-Real-IP header.
#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/http/bounded_table.hpp"

namespace cinestream::http {

// Who a client is, for every per-client limit: an IPv4 address, or an IPv6 /64 (a host is given
// a whole /64 and can use any address in it). An IPv4-mapped IPv6 address is its IPv4 address.
using ClientKey = std::array<unsigned char, 16>;
ClientKey client_key(const boost::asio::ip::address& a);
struct ClientKeyHash {
  std::size_t operator()(const ClientKey& k) const noexcept;
};

// A token bucket: `rate` tokens a second, at most `burst`.
struct TokenBucket {
  using Clock = std::chrono::steady_clock;
  double tokens = 0;
  Clock::time_point refilled{};

  static TokenBucket full(double burst, Clock::time_point now) { return {burst, now}; }
  // Refilled to the brim: the client is indistinguishable from a new one.
  bool is_full(Clock::time_point now, double rate, double burst) const;
  // Takes one token; when there is none, false and how long until there is (at least 1 s).
  bool take(Clock::time_point now, double rate, double burst, std::chrono::seconds& retry_after);
};

// An address or a CIDR block, e.g. "127.0.0.1", "10.0.0.0/8", "::1".
struct AddressBlock {
  std::array<unsigned char, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
  unsigned prefix = 128;
  bool contains(const boost::asio::ip::address& a) const;
};
// Parses "127.0.0.1,::1,10.0.0.0/8"; throws std::invalid_argument naming the bad entry.
std::vector<AddressBlock> parse_address_blocks(std::string_view list);

struct ClientLimitOptions {
  double requests_per_second = 50;            // sustained rate per client; 0 = no request limit
  double request_burst = 200;                 // bucket size: a page load and its assets fit easily
  std::size_t max_connections = 256;          // open connections per client address; 0 = no limit
  std::size_t tracked_clients = 100'000;      // memory bound: clients remembered at once
  std::vector<AddressBlock> trusted_proxies;  // their X-Real-IP names the client; none by default

  // For servers with one trusted caller (the Gemini stand-in).
  static ClientLimitOptions none() {
    ClientLimitOptions o;
    o.requests_per_second = 0;
    o.max_connections = 0;
    return o;
  }
};

class ClientLimits {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ClientLimits(ClientLimitOptions options);

  // The client a request comes from: the peer, or the peer's X-Real-IP (then X-Forwarded-For's
  // last entry) when the peer is a trusted proxy.
  boost::asio::ip::address client_of(const boost::asio::ip::address& peer,
                                     std::string_view real_ip_header,
                                     std::string_view forwarded_for_header) const;
  bool is_trusted_proxy(const boost::asio::ip::address& peer) const;

  // Takes one token for a request; when the bucket is empty returns false and how long until
  // the next token.
  bool allow_request(const boost::asio::ip::address& client, Clock::time_point now,
                     std::chrono::seconds& retry_after);

  // Counts an open connection while the returned slot lives; empty when the address already
  // holds the maximum. Trusted proxies are not limited (they multiplex many clients).
  class ConnectionSlot {
   public:
    ConnectionSlot() = default;
    ConnectionSlot(ConnectionSlot&& o) noexcept;
    ConnectionSlot& operator=(ConnectionSlot&& o) noexcept;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot();
    bool counted() const { return owner_ != nullptr; }

   private:
    friend class ClientLimits;
    ClientLimits* owner_ = nullptr;
    std::array<unsigned char, 16> key_{};
  };
  std::optional<ConnectionSlot> open_connection(const boost::asio::ip::address& peer);

  std::size_t tracked() const;
  const ClientLimitOptions& options() const { return options_; }

 private:
  struct Entry {
    TokenBucket bucket;
    std::size_t connections = 0;
  };
  using Key = ClientKey;
  // Sharded by client so request threads rarely meet on one mutex.
  struct Shard {
    mutable std::mutex mutex;
    BoundedTable<Key, Entry, ClientKeyHash> clients;
  };
  static constexpr std::size_t kShards = 64;

  Shard& shard_of(const Key& k);
  // Finds or makes an entry; nullptr when the shard is full of clients that cannot be forgotten
  // (the caller then refuses the client: a full table never switches limiting off).
  Entry* entry_for(Shard& shard, const Key& k, Clock::time_point now);
  void release(const Key& k);

  ClientLimitOptions options_;
  std::size_t per_shard_limit_;
  std::array<Shard, kShards> shards_;
};

}  // namespace cinestream::http
