#pragma once
// A minimal HTTP/1.1 server on 127.0.0.1 for client tests: one thread, one request per
// connection, a handler that sees the method, target and headers and answers with a status,
// headers, a body and an optional delay. It records every request and the most requests it was
// ever serving at once, so a test can check what a client sent and how politely.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cinestream::testing {

struct TinyRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::chrono::steady_clock::time_point at;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct TinyResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};
};

class TinyHttpServer {
 public:
  using Handler = std::function<TinyResponse(const TinyRequest&)>;

  explicit TinyHttpServer(Handler handler)
      : handler_(std::move(handler)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TinyHttpServer() {
    io_.stop();
    thread_.join();
  }
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<TinyRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int max_concurrent() const {
    std::lock_guard lock(mutex_);
    return max_concurrent_;
  }

 private:
  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
      boost::asio::co_spawn(io_, serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
    std::string buffer;
    auto n = co_await boost::asio::async_read_until(socket,
                                                    boost::asio::dynamic_buffer(buffer, 64 * 1024),
                                                    "\r\n\r\n", boost::asio::use_awaitable);
    TinyRequest req;
    req.at = std::chrono::steady_clock::now();
    std::string head = buffer.substr(0, n);
    auto line_end = head.find("\r\n");
    auto first = head.substr(0, line_end);
    auto sp1 = first.find(' ');
    auto sp2 = first.find(' ', sp1 + 1);
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    for (auto at = line_end + 2; at < head.size();) {
      auto end = head.find("\r\n", at);
      if (end == std::string::npos || end == at) break;
      auto line = head.substr(at, end - at);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[name] = value;
      }
      at = end + 2;
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
      max_concurrent_ = std::max(max_concurrent_, ++open_);
    }
    auto res = handler_(req);
    if (res.delay.count() > 0) {
      boost::asio::steady_timer timer(io_);
      timer.expires_after(res.delay);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " X\r\nConnection: close\r\n";
    for (const auto& [k, v] : res.headers)
      out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n\r\n" + res.body;
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    boost::system::error_code ec;
    co_await boost::asio::async_write(socket, boost::asio::buffer(out),
                                      boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  }

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<TinyRequest> requests_;
  int open_ = 0;
  int max_concurrent_ = 0;
};

}  // namespace cinestream::testing
