#pragma once
// Asynchronous DNS through c-ares, driven by an Asio executor (no resolver threads).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::net {

enum class HttpErrorKind {
  dns,
  connect,
  tls,
  timeout,
  protocol,
  refused_plain_http,
  refused_address
};

std::string_view to_string(HttpErrorKind kind);

// RFC 6761: "localhost" and every name under ".localhost" are loopback, never sent to DNS (a
// resolver could answer anything); the resolver answers them with 127.0.0.1 and ::1.
bool is_localhost_name(std::string_view name);

// Messages name scheme, host, port and path only: headers and query strings may carry keys.
class HttpError : public std::runtime_error {
 public:
  HttpError(HttpErrorKind kind, const std::string& what);
  HttpErrorKind kind() const { return kind_; }

 private:
  HttpErrorKind kind_;
};

// c-ares resolver integrated with Asio. c-ares 1.18 channels are not thread-safe: use one resolver
// per io_context (its handlers run on a strand of `executor`, so a multi-threaded context is safe
// too, but there is no point sharing one).
class DnsResolver {
 public:
  DnsResolver(boost::asio::any_io_executor executor, std::vector<std::string> servers = {},
              std::chrono::milliseconds timeout = std::chrono::milliseconds(2000), int tries = 2);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // Numeric hosts and "localhost" without any lookup, then /etc/hosts, then DNS; names are looked
  // up as given (no search domains). Throws HttpError(dns) on failure or timeout.
  boost::asio::awaitable<std::vector<boost::asio::ip::address>> resolve(std::string host);
  // Same, but gives up at `deadline` with HttpError(timeout) (the caller's whole-request deadline).
  boost::asio::awaitable<std::vector<boost::asio::ip::address>> resolve(
      std::string host, std::chrono::steady_clock::time_point deadline);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cinestream::net
