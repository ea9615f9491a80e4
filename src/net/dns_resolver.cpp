#include "cinestream/net/dns_resolver.hpp"

#include <ares.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <unordered_map>

namespace cinestream::net {

namespace asio = boost::asio;
using Addresses = std::vector<asio::ip::address>;
using Clock = std::chrono::steady_clock;

std::string_view to_string(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::dns:
      return "dns";
    case HttpErrorKind::connect:
      return "connect";
    case HttpErrorKind::tls:
      return "tls";
    case HttpErrorKind::timeout:
      return "timeout";
    case HttpErrorKind::protocol:
      return "protocol";
    case HttpErrorKind::refused_plain_http:
      return "refused_plain_http";
    case HttpErrorKind::refused_address:
      return "refused_address";
  }
  return "unknown";
}

HttpError::HttpError(HttpErrorKind kind, const std::string& what)
    : std::runtime_error(what), kind_(kind) {}

namespace {

// A move-only, type-erased completion handler. Not asio::any_completion_handler: in Asio 1.81 its
// converting constructor hijacks moves and wraps the handler again and again (stack overflow).
class Handler {
 public:
  Handler() = default;
  template <class H, class = std::enable_if_t<!std::is_same_v<std::decay_t<H>, Handler>>>
  explicit Handler(H&& h) : impl_(std::make_unique<Model<std::decay_t<H>>>(std::forward<H>(h))) {}

  explicit operator bool() const { return impl_ != nullptr; }
  void operator()(std::exception_ptr error, Addresses addresses) {
    auto impl = std::move(impl_);
    impl->call(error, std::move(addresses));
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call(std::exception_ptr error, Addresses addresses) = 0;
  };
  template <class H>
  struct Model final : Base {
    explicit Model(H&& h) : handler(std::move(h)) {}
    void call(std::exception_ptr error, Addresses addresses) override {
      std::move(handler)(error, std::move(addresses));
    }
    H handler;
  };
  std::unique_ptr<Base> impl_;
};

void init_library_once() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) {
    throw HttpError(HttpErrorKind::dns,
                    fmt::format("c-ares library init failed: {}", ares_strerror(status)));
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

bool is_localhost_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  constexpr std::string_view suffix = ".localhost";
  return iequals(name, "localhost") ||
         (name.size() > suffix.size() && iequals(name.substr(name.size() - suffix.size()), suffix));
}

struct DnsResolver::Impl : std::enable_shared_from_this<DnsResolver::Impl> {
  struct Socket {
    Socket(std::uint64_t socket_id, const asio::strand<asio::any_io_executor>& ex)
        : id(socket_id), desc(ex) {}
    std::uint64_t id;
    asio::posix::stream_descriptor desc;
    bool want_read = false;
    bool want_write = false;
    bool read_pending = false;
    bool write_pending = false;
  };

  struct Query {
    Impl* impl = nullptr;
    std::string host;
    Handler handler;
    asio::any_io_executor handler_executor;  // where the awaiting coroutine resumes
    std::unique_ptr<asio::steady_timer> deadline;
  };

  explicit Impl(asio::any_io_executor ex)
      : strand(asio::make_strand(std::move(ex))), timer(strand) {}

  asio::strand<asio::any_io_executor> strand;
  ares_channel channel = nullptr;
  asio::steady_timer timer;
  std::unordered_map<ares_socket_t, std::unique_ptr<Socket>> sockets;
  // Descriptors c-ares is done with, destroyed later: we may be inside one of their handlers.
  std::vector<std::unique_ptr<Socket>> graveyard;
  std::uint64_t next_socket_id = 1;

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->sock_state(fd, readable != 0, writable != 0);
  }

  void sock_state(ares_socket_t fd, bool readable, bool writable) {
    auto it = sockets.find(fd);
    if (!readable && !writable) {
      if (it == sockets.end()) return;
      // c-ares closes the socket itself right after this call: hand the fd back, never close it.
      it->second->desc.release();
      graveyard.push_back(std::move(it->second));
      sockets.erase(it);
      asio::post(strand, [self = shared_from_this()] { self->graveyard.clear(); });
      return;
    }
    if (it == sockets.end()) {
      auto sock = std::make_unique<Socket>(next_socket_id++, strand);
      boost::system::error_code ec;
      sock->desc.assign(fd, ec);
      if (ec) {
        // Never throw through c-ares; without readiness events the query ends by its timeout.
        spdlog::warn("dns: cannot watch a c-ares socket: {}", ec.message());
        return;
      }
      it = sockets.emplace(fd, std::move(sock)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    arm(fd, *it->second);
  }

  void arm(ares_socket_t fd, Socket& s) {
    if (s.want_read && !s.read_pending) {
      s.read_pending = true;
      s.desc.async_wait(asio::posix::descriptor_base::wait_read,
                        [self = shared_from_this(), fd, id = s.id](boost::system::error_code ec) {
                          self->on_ready(fd, id, true, ec);
                        });
    }
    if (s.want_write && !s.write_pending) {
      s.write_pending = true;
      s.desc.async_wait(asio::posix::descriptor_base::wait_write,
                        [self = shared_from_this(), fd, id = s.id](boost::system::error_code ec) {
                          self->on_ready(fd, id, false, ec);
                        });
    }
  }

  Socket* find(ares_socket_t fd, std::uint64_t id) {
    auto it = sockets.find(fd);
    // The fd number may have been reused by a new c-ares socket: match the id too.
    return it != sockets.end() && it->second->id == id ? it->second.get() : nullptr;
  }

  void on_ready(ares_socket_t fd, std::uint64_t id, bool read, boost::system::error_code ec) {
    Socket* s = find(fd, id);
    if (s == nullptr) return;
    (read ? s->read_pending : s->write_pending) = false;
    if (channel == nullptr || ec == asio::error::operation_aborted) return;
    // On a wait error let c-ares touch the socket anyway: it sees the error and drops the server.
    ares_process_fd(channel, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
    if (!ec) {
      if (Socket* again = find(fd, id)) arm(fd, *again);
    }
    schedule_timer();
  }

  void schedule_timer() {
    if (channel == nullptr) return;
    timeval tv{};
    timeval* next = ares_timeout(channel, nullptr, &tv);
    if (next == nullptr) {
      timer.cancel();
      return;
    }
    // +1 ms: ares_timeout truncates to the millisecond below in 1.18 and would wake us too early.
    timer.expires_after(std::chrono::seconds(next->tv_sec) +
                        std::chrono::microseconds(next->tv_usec) + std::chrono::milliseconds(1));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->channel == nullptr) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->schedule_timer();
    });
  }

  void complete(Query& q, std::exception_ptr error, Addresses addresses) {
    if (!q.handler) return;  // already completed by the deadline (or by c-ares)
    if (q.deadline) q.deadline->cancel();
    Handler handler = std::move(q.handler);
    // Always post: c-ares may call back from inside ares_getaddrinfo (numeric, hosts file).
    asio::post(q.handler_executor,
               [handler = std::move(handler), error, addresses = std::move(addresses)]() mutable {
                 std::move(handler)(error, std::move(addresses));
               });
  }

  static void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
    std::unique_ptr<std::shared_ptr<Query>> holder(static_cast<std::shared_ptr<Query>*>(arg));
    std::unique_ptr<ares_addrinfo, void (*)(ares_addrinfo*)> guard(result, &ares_freeaddrinfo);
    Query& q = **holder;
    if (status != ARES_SUCCESS) {
      std::string why = status == ARES_ETIMEOUT
                            ? fmt::format("DNS lookup of {} timed out", q.host)
                            : fmt::format("cannot resolve {}: {}", q.host, ares_strerror(status));
      q.impl->complete(q, std::make_exception_ptr(HttpError(HttpErrorKind::dns, why)), {});
      return;
    }
    Addresses out;
    for (auto* node = result ? result->nodes : nullptr; node != nullptr; node = node->ai_next) {
      asio::ip::address a;
      if (node->ai_family == AF_INET && node->ai_addr != nullptr) {
        sockaddr_in sa{};
        std::memcpy(&sa, node->ai_addr, sizeof sa);
        a = asio::ip::address_v4(ntohl(sa.sin_addr.s_addr));
      } else if (node->ai_family == AF_INET6 && node->ai_addr != nullptr) {
        sockaddr_in6 sa{};
        std::memcpy(&sa, node->ai_addr, sizeof sa);
        asio::ip::address_v6::bytes_type bytes;
        std::memcpy(bytes.data(), &sa.sin6_addr, bytes.size());
        a = asio::ip::address_v6(bytes, sa.sin6_scope_id);
      } else {
        continue;
      }
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
    if (out.empty()) {
      q.impl->complete(q,
                       std::make_exception_ptr(HttpError(
                           HttpErrorKind::dns, fmt::format("no addresses for {}", q.host))),
                       {});
      return;
    }
    q.impl->complete(q, nullptr, std::move(out));
  }

  void start(std::string host, Clock::time_point deadline, Handler handler,
             asio::any_io_executor handler_executor) {
    auto q = std::make_shared<Query>();
    q->impl = this;
    q->host = std::move(host);
    q->handler = std::move(handler);
    q->handler_executor = std::move(handler_executor);
    if (channel == nullptr) {
      complete(*q, std::make_exception_ptr(HttpError(HttpErrorKind::dns, "resolver is shut down")),
               {});
      return;
    }
    if (deadline != Clock::time_point::max()) {
      q->deadline = std::make_unique<asio::steady_timer>(strand, deadline);
      // A c-ares query cannot be cancelled alone; the late answer is simply dropped.
      q->deadline->async_wait([self = shared_from_this(), q](boost::system::error_code ec) {
        if (ec) return;
        self->complete(*q,
                       std::make_exception_ptr(HttpError(
                           HttpErrorKind::timeout,
                           fmt::format("request deadline passed while resolving {}", q->host))),
                       {});
      });
    }
    ares_addrinfo_hints hints{};
    hints.ai_flags = ARES_AI_NOSORT;  // sorting would connect UDP sockets to every address
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    auto* arg = new std::shared_ptr<Query>(q);  // owned by on_addrinfo, always called exactly once
    ares_getaddrinfo(channel, q->host.c_str(), nullptr, &hints, &Impl::on_addrinfo, arg);
    schedule_timer();
  }

  void shutdown() {
    if (channel == nullptr) return;
    ares_channel ch = channel;
    channel = nullptr;
    ares_destroy(ch);  // fails pending queries with ARES_EDESTRUCTION, reports sockets closed
    for (auto& [fd, s] : sockets)
      s->desc.release();
    sockets.clear();
    graveyard.clear();  // not inside any descriptor handler here
    timer.cancel();
  }
};

DnsResolver::DnsResolver(asio::any_io_executor executor, std::vector<std::string> servers,
                         std::chrono::milliseconds timeout, int tries)
    : impl_(std::make_shared<Impl>(std::move(executor))) {
  init_library_once();
  ares_options options{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
             ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS;
  options.sock_state_cb = &Impl::on_sock_state;
  options.sock_state_cb_data = impl_.get();
  options.timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, timeout.count()));
  options.tries = std::max(1, tries);
  // No search domains and ndots 0: ARES_FLAG_NOSEARCH is ignored by ares_getaddrinfo in 1.18,
  // and a trailing dot would stop /etc/hosts from matching.
  options.ndots = 0;
  options.domains = nullptr;
  options.ndomains = 0;
  char lookups[] = "fb";  // /etc/hosts first, then DNS (c-ares copies the string)
  options.lookups = lookups;
  int status = ares_init_options(&impl_->channel, &options, mask);
  if (status != ARES_SUCCESS) {
    impl_->channel = nullptr;
    throw HttpError(HttpErrorKind::dns,
                    fmt::format("c-ares channel init failed: {}", ares_strerror(status)));
  }
  if (!servers.empty()) {
    std::string csv;
    for (const auto& s : servers) {
      if (!csv.empty()) csv += ',';
      csv += s;
    }
    status = ares_set_servers_ports_csv(impl_->channel, csv.c_str());
    if (status != ARES_SUCCESS) {
      impl_->shutdown();
      throw HttpError(HttpErrorKind::dns,
                      fmt::format("invalid DNS servers '{}': {}", csv, ares_strerror(status)));
    }
  }
}

DnsResolver::~DnsResolver() {
  impl_->shutdown();
}

asio::awaitable<Addresses> DnsResolver::resolve(std::string host) {
  co_return co_await resolve(std::move(host), Clock::time_point::max());
}

asio::awaitable<Addresses> DnsResolver::resolve(std::string host, Clock::time_point deadline) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) throw HttpError(HttpErrorKind::dns, "empty host name");
  boost::system::error_code ec;
  auto numeric = asio::ip::make_address(host, ec);
  if (!ec) co_return Addresses{numeric};
  if (is_localhost_name(host)) {
    co_return Addresses{asio::ip::address_v4::loopback(), asio::ip::address_v6::loopback()};
  }
  if (host.size() > 253 || host.find_first_of(" \t\r\n/\\") != std::string::npos) {
    throw HttpError(HttpErrorKind::dns, "invalid host name");
  }
  if (Clock::now() >= deadline) {
    throw HttpError(HttpErrorKind::timeout,
                    fmt::format("request deadline passed before resolving {}", host));
  }
  // Named, not a temporary in the co_await expression (GCC PR 100611).
  auto initiation = [impl = impl_, host = std::move(host), deadline](auto handler) mutable {
    // Where the awaiting coroutine resumes: its own executor, not our strand.
    asio::any_io_executor resume_on =
        asio::get_associated_executor(handler, impl->strand.get_inner_executor());
    Handler erased(std::move(handler));
    asio::dispatch(
        impl->strand, [impl, host = std::move(host), deadline, erased = std::move(erased),
                       resume_on = std::move(resume_on)]() mutable {
          impl->start(std::move(host), deadline, std::move(erased), std::move(resume_on));
        });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, Addresses)>(
      std::move(initiation), asio::use_awaitable);
}

}  // namespace cinestream::net
