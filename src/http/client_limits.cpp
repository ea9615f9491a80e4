#include "cinestream/http/client_limits.hpp"

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<ip::address> parse_address(std::string_view s) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(trim(s)), ec);
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
    auto item = trim(list.substr(0, comma));
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

std::size_t ClientLimits::KeyHash::operator()(const Key& k) const noexcept {
  // FNV-1a: addresses are not attacker-chosen enough to matter, and the shard bound holds anyway.
  std::size_t h = 1469598103934665603ull;
  for (auto c : k)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

ClientLimits::ClientLimits(ClientLimitOptions options)
    : options_(std::move(options)),
      per_shard_limit_(std::max<std::size_t>(16, options_.tracked_clients / kShards)) {}

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
  return shards_[KeyHash{}(k) % kShards];
}

ClientLimits::Entry* ClientLimits::entry_for(Shard& shard, const Key& k, Clock::time_point now) {
  auto it = shard.clients.find(k);
  if (it != shard.clients.end()) return &it->second;
  if (shard.clients.size() >= per_shard_limit_) {
    // Forget clients whose bucket has refilled and who hold no connection: they are
    // indistinguishable from new ones.
    std::erase_if(shard.clients, [&](const auto& kv) {
      const Entry& e = kv.second;
      if (e.connections > 0) return false;
      if (options_.requests_per_second <= 0) return true;
      double elapsed = std::chrono::duration<double>(now - e.refilled).count();
      return e.tokens + elapsed * options_.requests_per_second >= options_.request_burst;
    });
    if (shard.clients.size() >= per_shard_limit_) return nullptr;
  }
  Entry& e = shard.clients[k];
  e.tokens = options_.request_burst;
  e.refilled = now;
  return &e;
}

bool ClientLimits::allow_request(const ip::address& client, Clock::time_point now,
                                 std::chrono::seconds& retry_after) {
  if (options_.requests_per_second <= 0) return true;
  auto k = key_of(client);
  Shard& shard = shard_of(k);
  std::lock_guard lock(shard.mutex);
  Entry* e = entry_for(shard, k, now);
  if (!e) return true;  // too many clients to remember: fail open rather than refuse everyone
  double elapsed = std::chrono::duration<double>(now - e->refilled).count();
  e->tokens = std::min(options_.request_burst, e->tokens + elapsed * options_.requests_per_second);
  e->refilled = now;
  if (e->tokens >= 1) {
    e->tokens -= 1;
    return true;
  }
  retry_after = std::chrono::seconds(
      static_cast<long>(std::ceil((1 - e->tokens) / options_.requests_per_second)));
  if (retry_after.count() < 1) retry_after = std::chrono::seconds(1);
  return false;
}

std::optional<ClientLimits::ConnectionSlot> ClientLimits::open_connection(const ip::address& peer) {
  ConnectionSlot slot;
  if (options_.max_connections == 0 || is_trusted_proxy(peer)) return slot;
  auto k = key_of(peer);
  Shard& shard = shard_of(k);
  std::lock_guard lock(shard.mutex);
  Entry* e = entry_for(shard, k, Clock::now());
  if (!e) return slot;
  if (e->connections >= options_.max_connections) return std::nullopt;
  ++e->connections;
  slot.owner_ = this;
  slot.key_ = k;
  return slot;
}

void ClientLimits::release(const Key& k) {
  Shard& shard = shard_of(k);
  std::lock_guard lock(shard.mutex);
  auto it = shard.clients.find(k);
  if (it != shard.clients.end() && it->second.connections > 0) --it->second.connections;
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
