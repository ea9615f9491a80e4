#include "cinestream/net/http_client.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <deque>
#include <map>
#include <optional>

#include "cinestream/net/tls_context.hpp"

namespace cinestream::net {

bool is_public_address(const boost::asio::ip::address& a) {
  if (a.is_unspecified() || a.is_loopback() || a.is_multicast()) return false;
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped())
      return is_public_address(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
    auto b = v6.to_bytes();
    if ((b[0] & 0xFE) == 0xFC) return false;                  // fc00::/7 unique local
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false;  // fe80::/10 link-local
    if (v6.is_site_local()) return false;
    return true;
  }
  auto v = a.to_v4().to_uint();
  auto in = [v](std::uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
           in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0000000, 24) || in(0xC0A80000, 16) ||
           in(0xC6120000, 15) || in(0xE0000000, 4) || in(0xF0000000, 4));
}

std::function<bool(const boost::asio::ip::address&)> web_address_rule(bool any, bool loopback) {
  if (any) return {};
  if (loopback)
    return
        [](const boost::asio::ip::address& a) { return a.is_loopback() || is_public_address(a); };
  return is_public_address;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using OnChunk = std::function<void(std::string_view)>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t header_limit = 64 * 1024;
constexpr std::size_t stream_chunk = 16 * 1024;
constexpr auto tls_shutdown_timeout = std::chrono::milliseconds(500);
constexpr auto max_timeout = std::chrono::milliseconds(std::chrono::hours(24));

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Where a request goes, and how it may be named in messages: never the query (it may hold ?key=).
struct Target {
  bool tls = false;
  std::string scheme;
  std::string host;  // lowercase, IPv6 without brackets
  std::uint16_t port = 0;
  std::string path;    // encoded path, for messages
  std::string target;  // path?query, sent on the wire
  std::string host_header;
  std::string key;  // the pool key: scheme://host:port

  std::string bracketed_host() const {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
  }
  std::string where() const {
    return fmt::format("{}://{}:{}{}", scheme, bracketed_host(), port, path);
  }
};

Target parse_url(const std::string& url) {
  // The URL itself is never echoed: it may carry a key in its query.
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw HttpError(HttpErrorKind::protocol, "malformed URL");
  const auto& u = *parsed;
  Target t;
  if (u.scheme_id() == boost::urls::scheme::https) {
    t.tls = true;
    t.scheme = "https";
  } else if (u.scheme_id() == boost::urls::scheme::http) {
    t.scheme = "http";
  } else {
    throw HttpError(HttpErrorKind::protocol, "unsupported URL scheme (only http and https)");
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    throw HttpError(HttpErrorKind::protocol, "URL has no host");
  }
  if (u.has_userinfo()) {
    throw HttpError(HttpErrorKind::protocol, "credentials in URLs are not supported");
  }
  switch (u.host_type()) {
    case boost::urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::name:
      t.host = u.host_name();
      break;
    default:
      throw HttpError(HttpErrorKind::protocol, "unsupported URL host");
  }
  std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t.host.empty() || t.host.find_first_of(" \t\r\n/\\@") != std::string::npos) {
    throw HttpError(HttpErrorKind::protocol, "invalid URL host");
  }
  const std::uint16_t default_port = t.tls ? 443 : 80;
  t.port = default_port;
  if (u.has_port() && !u.port().empty()) {
    t.port = u.port_number();
    if (t.port == 0) throw HttpError(HttpErrorKind::protocol, "invalid URL port");
  }
  t.path = u.encoded_path();
  if (t.path.empty()) t.path = "/";
  t.target = t.path;
  if (u.has_query()) {
    t.target += '?';
    t.target += u.encoded_query();
  }
  t.host_header = t.bracketed_host();
  if (t.port != default_port) t.host_header += fmt::format(":{}", t.port);
  t.key = fmt::format("{}://{}:{}", t.scheme, t.bracketed_host(), t.port);
  return t;
}

bool is_loopback_host(const std::string& host) {
  if (is_localhost_name(host)) return true;
  boost::system::error_code ec;
  auto a = asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

bool is_token(std::string_view s) {
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == 0; });
}

http::request<http::string_body> build_request(const HttpRequest& r, const Target& t) {
  http::request<http::string_body> m;
  if (!is_token(r.method)) throw HttpError(HttpErrorKind::protocol, "invalid request method");
  auto verb = http::string_to_verb(r.method);
  if (verb == http::verb::unknown) {
    m.method_string(r.method);
  } else {
    m.method(verb);
  }
  m.target(t.target);
  m.version(11);
  m.set(http::field::host, t.host_header);
  m.set(http::field::user_agent, "cinestream");
  m.set(http::field::connection, "keep-alive");
  for (const auto& [name, value] : r.headers) {
    // Name the header, never its value: values carry API keys.
    if (!is_token(name)) throw HttpError(HttpErrorKind::protocol, "invalid request header name");
    if (!is_field_value(value)) {
      throw HttpError(HttpErrorKind::protocol, fmt::format("invalid value for header {}", name));
    }
    auto f = http::string_to_field(name);
    if (f == http::field::content_length || f == http::field::transfer_encoding) continue;
    if (f == http::field::host || f == http::field::connection || f == http::field::user_agent) {
      m.set(name, value);
    } else {
      m.insert(name, value);
    }
  }
  m.body() = r.body;
  m.prepare_payload();
  return m;
}

template <class Fields>
void copy_head(const http::header<false, Fields>& h, HttpResponse& out) {
  out.status = h.result_int();
  for (const auto& f : h)
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
}

bool timed_out(const boost::system::error_code& ec, Clock::time_point deadline) {
  return ec == beast::error::timeout || Clock::now() >= deadline;
}

bool is_tls_error(const boost::system::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() ||
         (ec.category() == ssl::error::get_stream_category() && ec != ssl::error::stream_truncated);
}

struct Connection {
  std::string key;
  std::shared_ptr<ssl::context> ctx;  // declared before `tls`: the stream must go first
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// Whether an idle connection can still carry a request: the peer has not closed it and has sent
// nothing unasked (either would make the next response unreadable).
bool still_usable(Connection& c) {
  auto& sock = c.lowest().socket();
  if (!sock.is_open()) return false;
  char byte = 0;
  ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

asio::awaitable<void> shutdown_tls(std::unique_ptr<Connection> c) {
  // Polite close_notify, bounded: a peer that never answers must not hold the socket.
  beast::get_lowest_layer(*c->tls).expires_after(tls_shutdown_timeout);
  co_await c->tls->async_shutdown(use_tuple);
  beast::get_lowest_layer(*c->tls).close();
}

enum class Stage { write, read };

// RFC 9110 9.2.2: repeating the request has the effect of sending it once.
bool is_idempotent(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::put ||
         v == http::verb::delete_ || v == http::verb::options || v == http::verb::trace;
}

struct Outcome {
  boost::system::error_code ec;
  Stage stage = Stage::write;
  bool got_bytes = false;  // any byte of the response arrived
  bool reusable = false;
  HttpResponse response;
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  Impl(asio::any_io_executor ex, HttpClientOptions opts)
      : executor(std::move(ex)),
        options(std::move(opts)),
        dns(executor, options.dns_servers, options.dns_timeout, options.dns_tries) {
    // The CA store is read from disk: here, where clients are made (at start-up), never by a
    // request on an event-loop thread. A failure is reported by the first https request.
    try {
      tls_ctx = shared_client_tls_context(options.ca_file);
    } catch (const HttpError& e) {
      tls_error = e;
    }
  }

  asio::any_io_executor executor;
  HttpClientOptions options;
  DnsResolver dns;
  std::shared_ptr<ssl::context> tls_ctx;  // null when loading failed: tls_error says why
  std::optional<HttpError> tls_error;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;

  bool expired(const Connection& c, Clock::time_point now) const {
    return now - c.idle_since >= options.idle_keepalive;
  }

  // Idle connections are dropped lazily (here, on every take and release) rather than by a timer:
  // a pending timer would keep io_context::run() from returning for idle_keepalive.
  void sweep() {
    auto now = Clock::now();
    for (auto it = idle.begin(); it != idle.end();) {
      auto& q = it->second;
      for (auto c = q.begin(); c != q.end();) {
        if (expired(**c, now)) {
          retire(std::move(*c));
          c = q.erase(c);
        } else {
          ++c;
        }
      }
      it = q.empty() ? idle.erase(it) : std::next(it);
    }
  }

  std::size_t idle_count() const {
    auto now = Clock::now();
    std::size_t n = 0;
    for (const auto& [key, q] : idle) {
      n += static_cast<std::size_t>(
          std::count_if(q.begin(), q.end(), [&](const auto& c) { return !expired(*c, now); }));
    }
    return n;
  }

  std::unique_ptr<Connection> take_idle(const std::string& key) {
    sweep();
    auto it = idle.find(key);
    std::unique_ptr<Connection> found;
    while (it != idle.end() && !it->second.empty() && !found) {
      auto c = std::move(it->second.back());  // most recently used: the least likely to be stale
      it->second.pop_back();
      if (still_usable(*c)) found = std::move(c);  // else dropped: the peer is gone anyway
    }
    if (it != idle.end() && it->second.empty()) idle.erase(it);
    return found;
  }

  // Closed without ceremony: after one stale connection the others are most likely stale too.
  void drop_idle(const std::string& key) { idle.erase(key); }

  void release(std::unique_ptr<Connection> c) {
    c->lowest().expires_never();
    c->idle_since = Clock::now();
    auto& q = idle[c->key];
    const std::string key = c->key;
    q.push_back(std::move(c));
    while (q.size() > options.max_idle_per_host) {
      retire(std::move(q.front()));
      q.pop_front();
    }
    if (q.empty()) idle.erase(key);
    sweep();
  }

  // Closes a healthy connection we no longer want (TLS politely, in the background).
  void retire(std::unique_ptr<Connection> c) {
    if (!c) return;
    if (c->tls) {
      asio::co_spawn(executor, shutdown_tls(std::move(c)), asio::detached);
      return;
    }
    beast::error_code ignored;
    c->plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
    c->plain->close();
  }

  asio::awaitable<std::unique_ptr<Connection>> connect(const Target& t,
                                                       Clock::time_point deadline) {
    auto addresses = co_await dns.resolve(t.host, deadline);
    std::vector<tcp::endpoint> endpoints;
    bool filtered = false;
    for (const auto& a : addresses) {
      if (options.address_allowed && !options.address_allowed(a)) {
        filtered = true;
        continue;
      }
      // Plain http stays on loopback even if a hosts file maps the name elsewhere.
      if (t.tls || a.is_loopback()) endpoints.emplace_back(a, t.port);
    }
    if (endpoints.empty() && filtered) {
      throw HttpError(
          HttpErrorKind::refused_address,
          fmt::format("{} resolves only to addresses that may not be fetched", t.where()));
    }
    if (endpoints.empty()) {
      throw HttpError(HttpErrorKind::refused_plain_http,
                      fmt::format("plain http is allowed only to loopback: {}", t.where()));
    }
    auto c = std::make_unique<Connection>();
    c->key = t.key;
    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);
    auto [ec, ep] = co_await stream.async_connect(endpoints, use_tuple);
    if (ec) {
      bool late = timed_out(ec, deadline);
      throw HttpError(
          late ? HttpErrorKind::timeout : HttpErrorKind::connect,
          fmt::format("{} {}: {}", late ? "timed out connecting to" : "cannot connect to",
                      t.where(), ec.message()));
    }
    beast::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    if (!t.tls) {
      c->plain = std::make_unique<beast::tcp_stream>(std::move(stream));
      co_return c;
    }
    c->ctx = tls_ctx;
    c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream), *c->ctx);
    SSL* ssl_handle = c->tls->native_handle();
    bool configured = true;
    if (is_ip_literal(t.host)) {
      // No SNI for addresses (RFC 6066); OpenSSL checks the IP SAN, giving a clear error.
      configured = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), t.host.c_str()) == 1;
    } else {
      configured = SSL_set_tlsext_host_name(ssl_handle, t.host.c_str()) == 1 &&
                   SSL_set1_host(ssl_handle, t.host.c_str()) == 1;
    }
    if (!configured) {
      throw HttpError(HttpErrorKind::tls, fmt::format("cannot set up TLS for {}", t.where()));
    }
    c->tls->set_verify_mode(ssl::verify_peer);
    c->tls->set_verify_callback(ssl::host_name_verification(t.host));
    auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, use_tuple);
    if (hec) {
      bool late = timed_out(hec, deadline);
      std::string why = hec.message();
      long verify = SSL_get_verify_result(ssl_handle);
      if (verify != X509_V_OK) why += fmt::format(" ({})", X509_verify_cert_error_string(verify));
      throw HttpError(late ? HttpErrorKind::timeout : HttpErrorKind::tls,
                      fmt::format("TLS handshake with {} failed: {}", t.where(), why));
    }
    co_return c;
  }

  template <class Stream>
  asio::awaitable<Outcome> exchange(Stream& stream, Connection& c,
                                    http::request<http::string_body>& msg,
                                    Clock::time_point deadline, const OnChunk* on_chunk) {
    Outcome out;
    c.lowest().expires_at(deadline);
    auto [wec, written] = co_await http::async_write(stream, msg, use_tuple);
    if (wec) {
      out.ec = wec;
      co_return out;
    }
    out.stage = Stage::read;
    const bool head = msg.method() == http::verb::head;
    if (on_chunk == nullptr) {
      http::response_parser<http::string_body> parser;
      parser.header_limit(header_limit);
      parser.body_limit(options.max_response_bytes);
      parser.skip(head);
      auto [ec, n] = co_await http::async_read(stream, c.buffer, parser, use_tuple);
      out.got_bytes = parser.got_some() || c.buffer.size() > 0;
      if (ec) {
        out.ec = ec;
        co_return out;
      }
      copy_head(parser.get().base(), out.response);
      out.response.body = std::move(parser.get().body());
      out.reusable = parser.keep_alive() && msg.keep_alive() && c.buffer.size() == 0;
      co_return out;
    }
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(options.max_response_bytes);
    parser.skip(head);
    auto [hec, hn] = co_await http::async_read_header(stream, c.buffer, parser, use_tuple);
    out.got_bytes = parser.got_some() || c.buffer.size() > 0;
    if (hec) {
      out.ec = hec;
      co_return out;
    }
    copy_head(parser.get().base(), out.response);
    std::vector<char> chunk(stream_chunk);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      // read_some, not read: hand each piece over as soon as it arrives (Server-Sent Events).
      auto [ec, n] = co_await http::async_read_some(stream, c.buffer, parser, use_tuple);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        out.ec = ec;
        co_return out;
      }
      std::size_t got = chunk.size() - parser.get().body().size;
      if (got > 0) (*on_chunk)(std::string_view(chunk.data(), got));
    }
    out.reusable = parser.keep_alive() && msg.keep_alive() && c.buffer.size() == 0;
    co_return out;
  }

  HttpError failure(const Outcome& out, const Target& t, Clock::time_point deadline) const {
    const auto& ec = out.ec;
    if (timed_out(ec, deadline)) {
      return HttpError(HttpErrorKind::timeout, fmt::format("timed out waiting for {}", t.where()));
    }
    if (ec == http::error::body_limit) {
      return HttpError(HttpErrorKind::protocol,
                       fmt::format("response from {} is larger than {} bytes", t.where(),
                                   options.max_response_bytes));
    }
    const char* what = out.stage == Stage::write ? "sending to" : "reading from";
    return HttpError(is_tls_error(ec) ? HttpErrorKind::tls : HttpErrorKind::protocol,
                     fmt::format("{} {}: {}", what, t.where(), ec.message()));
  }

  asio::awaitable<HttpResponse> run(HttpRequest request, const OnChunk* on_chunk) {
    auto self = shared_from_this();  // a request in flight keeps the pool and resolver alive
    // Clamped so that a "forever" timeout cannot overflow the clock.
    const auto deadline =
        Clock::now() + std::clamp<std::chrono::milliseconds>(request.timeout, {}, max_timeout);
    Target t = parse_url(request.url);
    // Checked before any lookup or connection: nothing leaves the machine in clear text.
    if (!t.tls && !is_loopback_host(t.host)) {
      throw HttpError(HttpErrorKind::refused_plain_http,
                      fmt::format("plain http is allowed only to loopback: {}", t.where()));
    }
    auto msg = build_request(request, t);
    if (t.tls && !tls_ctx) throw *tls_error;
    // Sending again is harmless for idempotent methods; a POST the server may have received and
    // acted on (a Gemini call, billed) is sent again only when its write failed.
    const bool idempotent = is_idempotent(msg.method());
    bool fresh_only = false;
    for (;;) {
      std::unique_ptr<Connection> conn;
      if (!fresh_only) conn = take_idle(t.key);
      const bool reused = conn != nullptr;
      if (!conn) conn = co_await connect(t, deadline);
      Outcome out;
      if (conn->tls) {
        out = co_await exchange(*conn->tls, *conn, msg, deadline, on_chunk);
      } else {
        out = co_await exchange(*conn->plain, *conn, msg, deadline, on_chunk);
      }
      if (!out.ec) {
        if (out.reusable) {
          release(std::move(conn));
        } else {
          retire(std::move(conn));
        }
        co_return std::move(out.response);
      }
      conn.reset();  // broken: close without ceremony
      // A kept-alive connection the server closed meanwhile fails before any byte of the
      // response: that is not the request's fault, so try once more on a new connection. (One
      // found closed before writing was already dropped by take_idle.) A failure after the
      // request was written may be the server closing after processing it.
      const bool unsent = out.stage == Stage::write;
      if (reused && !fresh_only && !out.got_bytes && (idempotent || unsent) &&
          !timed_out(out.ec, deadline)) {
        spdlog::debug("http: stale keep-alive connection to {}, retrying on a new one", t.key);
        drop_idle(t.key);
        fresh_only = true;
        continue;
      }
      throw failure(out, t, deadline);
    }
  }
};

HttpClient::HttpClient(asio::any_io_executor executor, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() = default;

asio::awaitable<HttpResponse> HttpClient::request(HttpRequest request) {
  auto impl = impl_;
  co_return co_await impl->run(std::move(request), nullptr);
}

asio::awaitable<HttpResponse> HttpClient::request_stream(HttpRequest request, OnChunk on_chunk) {
  auto impl = impl_;
  co_return co_await impl->run(std::move(request), &on_chunk);
}

std::size_t HttpClient::idle_connections() const {
  return impl_->idle_count();
}

}  // namespace cinestream::net
