#pragma once
// A tiny authoritative UDP DNS server on 127.0.0.1 for tests: A records from a table, NODATA for
// other types of a known name, NXDOMAIN for unknown names; or silent (reads, never answers).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cinestream::testing {

class DnsResponder {
 public:
  struct Query {
    std::string name;  // lower case, no trailing dot
    std::uint16_t type = 0;
  };

  DnsResponder(boost::asio::io_context& io,
               std::map<std::string, boost::asio::ip::address_v4> a_records, bool silent = false)
      : state_(std::make_shared<State>(io)) {
    state_->records = std::move(a_records);
    state_->silent = silent;
    boost::asio::co_spawn(io, serve(state_), boost::asio::detached);
  }
  ~DnsResponder() {
    boost::system::error_code ec;
    state_->socket.close(ec);
  }

  // The c-ares server string for this responder.
  std::string server() const {
    return "127.0.0.1:" + std::to_string(state_->socket.local_endpoint().port());
  }
  const std::vector<Query>& queries() const { return state_->queries; }
  std::size_t queries_for(const std::string& name) const {
    return static_cast<std::size_t>(std::count_if(state_->queries.begin(), state_->queries.end(),
                                                  [&](const Query& q) { return q.name == name; }));
  }

  // Builds the answer to `query` (nullopt if it is not a well-formed single-question query).
  static std::optional<std::vector<std::uint8_t>> answer(
      const std::vector<std::uint8_t>& query,
      const std::map<std::string, boost::asio::ip::address_v4>& records, Query* parsed) {
    if (query.size() < 12) return std::nullopt;
    if ((query[2] & 0x80) != 0) return std::nullopt;  // a response, not a query
    if (query[4] != 0 || query[5] != 1) return std::nullopt;
    std::size_t pos = 12;
    std::string name;
    while (true) {
      if (pos >= query.size()) return std::nullopt;
      std::uint8_t len = query[pos++];
      if (len == 0) break;
      if ((len & 0xC0) != 0 || pos + len > query.size()) return std::nullopt;
      if (!name.empty()) name += '.';
      for (std::size_t i = 0; i < len; ++i) {
        name += static_cast<char>(std::tolower(query[pos + i]));
      }
      pos += len;
    }
    if (pos + 4 > query.size()) return std::nullopt;
    const std::uint16_t qtype = static_cast<std::uint16_t>(query[pos] << 8 | query[pos + 1]);
    const std::uint16_t qclass = static_cast<std::uint16_t>(query[pos + 2] << 8 | query[pos + 3]);
    pos += 4;
    if (parsed != nullptr) *parsed = Query{name, qtype};

    auto it = records.find(name);
    const bool known = it != records.end();
    const bool has_answer = known && qtype == 1 && qclass == 1;
    std::vector<std::uint8_t> r;
    r.push_back(query[0]);  // id
    r.push_back(query[1]);
    r.push_back(static_cast<std::uint8_t>(0x80 | (query[2] & 0x78) | 0x04 | (query[2] & 0x01)));
    r.push_back(static_cast<std::uint8_t>(0x80 | (known ? 0 : 3)));  // RA; NOERROR or NXDOMAIN
    const std::uint8_t counts[] = {0, 1, 0, static_cast<std::uint8_t>(has_answer ? 1 : 0),
                                   0, 0, 0, 0};
    r.insert(r.end(), std::begin(counts), std::end(counts));
    r.insert(r.end(), query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(pos));
    if (has_answer) {
      const std::uint8_t rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
      r.insert(r.end(), std::begin(rr), std::end(rr));
      auto bytes = it->second.to_bytes();
      r.insert(r.end(), bytes.begin(), bytes.end());
    }
    return r;
  }

 private:
  struct State {
    explicit State(boost::asio::io_context& io)
        : socket(io, {boost::asio::ip::make_address_v4("127.0.0.1"), 0}) {}
    boost::asio::ip::udp::socket socket;
    std::map<std::string, boost::asio::ip::address_v4> records;
    bool silent = false;
    std::vector<Query> queries;
  };

  static boost::asio::awaitable<void> serve(std::shared_ptr<State> st) {
    namespace asio = boost::asio;
    constexpr auto token = asio::as_tuple(asio::use_awaitable);
    std::array<std::uint8_t, 1500> buf{};
    for (;;) {
      asio::ip::udp::endpoint from;
      auto [ec, n] = co_await st->socket.async_receive_from(asio::buffer(buf), from, token);
      if (ec == asio::error::operation_aborted || !st->socket.is_open()) co_return;
      if (ec) continue;
      std::vector<std::uint8_t> query(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      Query parsed;
      auto reply = answer(query, st->records, &parsed);
      if (!reply) continue;
      st->queries.push_back(parsed);
      if (st->silent) continue;
      co_await st->socket.async_send_to(asio::buffer(*reply), from, token);
    }
  }

  std::shared_ptr<State> state_;
};

}  // namespace cinestream::testing
