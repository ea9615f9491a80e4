#include "cinestream/http/client_limits.hpp"
#include "cinestream/http/header_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cinestream::http {
namespace ip = boost::asio::ip;

namespace {

std::array<unsigned char, 16> key_of(const ip::address& a) {
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

std::optional<ip::address> parse_address(std::string_view s) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(trim_ows(s)), ec);
  if (ec) return std::nullopt;
  return a;
}

}  // namespace

bool AddressBlock::contains(const ip::address& a) const {
  auto k = key_of(a);
  unsigned full = prefix / 8, rest = prefix % 8;
  if (!std::equal(bytes.begin(), bytes.begin() + full, k.begin())) return false;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (bytes[full] & mask) == (k[full] & mask);
}

std::vector<AddressBlock> parse_address_blocks(std::string_view list) {
  std::vector<AddressBlock> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    auto slash = item.find('/');
    auto addr = parse_address(item.substr(0, slash));
    if (!addr) throw std::invalid_argument(fmt::format("'{}' is not an IP address", item));
    AddressBlock b;
    b.bytes = key_of(*addr);
    unsigned width = addr->is_v4() ? 32 : 128;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
      auto digits = item.substr(slash + 1);
      if (digits.empty() || digits.size() > 3 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw std::invalid_argument(fmt::format("'{}' has a bad prefix length", item));
      prefix = static_cast<unsigned>(std::stoul(std::string(digits)));
      if (prefix > width)
        throw std::invalid_argument(fmt::format("'{}' has a bad prefix length", item));
    }
    b.prefix = addr->is_v4() ? prefix + 96 : prefix;
    out.push_back(b);
  }
  return out;
}

ClientKey client_key(const ip::address& a) {
  if (a.is_v4()) return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
  auto v6 = a.to_v6();
  auto bytes = v6.to_bytes();
  if (v6.is_v4_mapped()) return bytes;
  // The /64: bytes 8.. are zero, so no IPv6 key equals an IPv4-mapped one (bytes 10-11 0xFF).
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return bytes;
}

bool TokenBucket::is_full(Clock::time_point now, double rate, double burst) const {
  if (rate <= 0) return true;
  return tokens + std::chrono::duration<double>(now - refilled).count() * rate >= burst;
}

bool TokenBucket::take(Clock::time_point now, double rate, double burst,
                       std::chrono::seconds& retry_after) {
  double elapsed = std::chrono::duration<double>(now - refilled).count();
  tokens = std::min(burst, tokens + std::max(0.0, elapsed) * rate);
  refilled = now;
  if (tokens >= 1) {
    tokens -= 1;
    return true;
  }
  retry_after = std::chrono::seconds(static_cast<long>(std::ceil((1 - tokens) / rate)));
  if (retry_after.count() < 1) retry_after = std::chrono::seconds(1);
  return false;
}

std::size_t ClientKeyHash::operator()(const ClientKey& k) const noexcept {
  // FNV-1a: addresses are not attacker-chosen enough to matter, and the shard bound holds anyway.
  std::size_t h = 1469598103934665603ull;
  for (auto c : k)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

ClientLimits::ClientLimits(ClientLimitOptions options)
    : options_(std::move(options)),
      per_shard_limit_(std::max<std::size_t>(16, options_.tracked_clients / kShards)) {
  for (auto& shard : shards_)
    shard.clients.set_capacity(per_shard_limit_);
}

bool ClientLimits::is_trusted_proxy(const ip::address& peer) const {
  return std::any_of(options_.trusted_proxies.begin(), options_.trusted_proxies.end(),
                     [&](const AddressBlock& b) { return b.contains(peer); });
}

ip::address ClientLimits::client_of(const ip::address& peer, std::string_view real_ip,
                                    std::string_view forwarded_for) const {
  if (!is_trusted_proxy(peer)) return peer;
  if (auto a = parse_address(real_ip)) return *a;
  // X-Forwarded-For: the last entry is the one our proxy appended.
  if (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    auto last = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    if (auto a = parse_address(last)) return *a;
  }
  return peer;
}

ClientLimits::Shard& ClientLimits::shard_of(const Key& k) {
  return shards_[ClientKeyHash{}(k) % kShards];
}

ClientLimits::Entry* ClientLimits::entry_for(Shard& shard, const Key& k, Clock::time_point now) {
  // Clients whose bucket has refilled and who hold no connection can be forgotten: they are
  // indistinguishable from new ones.
  auto idle = [&](const Entry& e) {
    return e.connections == 0 &&
           e.bucket.is_full(now, options_.requests_per_second, options_.request_burst);
  };
  return shard.clients.find_or_insert(k, Entry{TokenBucket::full(options_.request_burst, now), 0},
                                      idle);
}

bool ClientLimits::allow_request(const ip::address& client, Clock::time_point now,
                                 std::chrono::seconds& retry_after) {
  if (options_.requests_per_second <= 0) return true;
  auto k = client_key(client);
  Shard& shard = shard_of(k);
  std::lock_guard lock(shard.mutex);
  Entry* e = entry_for(shard, k, now);
  if (!e) {
    // Too many active clients to remember one more: refuse it rather than stop limiting.
    retry_after = std::chrono::seconds(1);
    return false;
  }
  return e->bucket.take(now, options_.requests_per_second, options_.request_burst, retry_after);
}

std::optional<ClientLimits::ConnectionSlot> ClientLimits::open_connection(const ip::address& peer) {
  ConnectionSlot slot;
  if (options_.max_connections == 0 || is_trusted_proxy(peer)) return slot;
  auto k = client_key(peer);
  Shard& shard = shard_of(k);
  std::lock_guard lock(shard.mutex);
  Entry* e = entry_for(shard, k, Clock::now());
  if (!e) return std::nullopt;  // too many active clients to count one more: refused
  if (e->connections >= options_.max_connections) return std::nullopt;
  ++e->connections;
  slot.owner_ = this;
  slot.key_ = k;
  return slot;
}

void ClientLimits::release(const Key& k) {
  Shard& shard = shard_of(k);
  std::lock_guard lock(shard.mutex);
  Entry* e = shard.clients.find(k);
  if (e && e->connections > 0) --e->connections;
}

std::size_t ClientLimits::tracked() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.clients.size();
  }
  return n;
}

ClientLimits::ConnectionSlot::ConnectionSlot(ConnectionSlot&& o) noexcept
    : owner_(std::exchange(o.owner_, nullptr)), key_(o.key_) {}

ClientLimits::ConnectionSlot& ClientLimits::ConnectionSlot::operator=(ConnectionSlot&& o) noexcept {
  if (this != &o) {
    if (owner_) owner_->release(key_);
    owner_ = std::exchange(o.owner_, nullptr);
    key_ = o.key_;
  }
  return *this;
}

ClientLimits::ConnectionSlot::~ConnectionSlot() {
  if (owner_) owner_->release(key_);
}

}  // namespace cinestream::http
