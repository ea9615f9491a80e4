#pragma once
// HTTP/1.1 client: c-ares DNS, TLS with verification, a keep-alive pool, one deadline per request.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cinestream/net/dns_resolver.hpp"

namespace cinestream::net {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path?query or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};  // whole exchange: DNS + connect + TLS + write + read
};

struct HttpResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;                                          // empty when streamed
  std::string header(std::string_view name) const;           // case-insensitive, "" if absent
};

struct HttpClientOptions {
  std::size_t max_idle_per_host = 8;
  std::chrono::milliseconds idle_keepalive{30'000};
  std::string ca_file;  // empty: the system CA store (SSL_CTX_set_default_verify_paths)
  std::vector<std::string> dns_servers;  // empty: system resolv.conf; "127.0.0.1:5353" for tests
  std::chrono::milliseconds dns_timeout{2'000};
  int dns_tries = 2;
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  // When set, only addresses it accepts are connected to, checked after DNS resolution so a
  // name cannot be rebound past it (SSRF rules for fetching URLs found on the web).
  std::function<bool(const boost::asio::ip::address&)> address_allowed;
};

// Public unicast addresses only: not loopback, private, link-local, CGNAT, multicast or reserved.
bool is_public_address(const boost::asio::ip::address& a);

// The address rule for URLs found on the web (posters, cinema sites): public addresses only;
// `loopback` adds loopback (a local stand-in); `any` lifts the rule (an empty function: a private
// network the operator trusts).
std::function<bool(const boost::asio::ip::address&)> web_address_rule(bool any, bool loopback);

// One per io_context (c-ares channels are not thread-safe in 1.18: one channel per io_context
// thread). Requests may run concurrently on that context; each uses its own connection.
class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor executor, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws HttpError. Plain http:// is allowed only to loopback addresses (127.0.0.0/8, ::1,
  // "localhost"); otherwise HttpErrorKind::refused_plain_http. https verifies the certificate
  // chain and the hostname (asio::ssl::host_name_verification) and sends SNI.
  boost::asio::awaitable<HttpResponse> request(HttpRequest request);
  // Same, but the body is handed to on_chunk piece by piece as it arrives (for Server-Sent
  // Events); the returned response has status and headers and an empty body.
  boost::asio::awaitable<HttpResponse> request_stream(
      HttpRequest request, std::function<void(std::string_view)> on_chunk);
  // Connections currently idle in the pool (for tests and metrics).
  std::size_t idle_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cinestream::net
