#pragma once
// Starts the real `cinestream` binary on an ephemeral port and speaks HTTP to it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cinestream::testing {

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A blocking client with socket timeouts, one connection, keep-alive.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : socket_(io_) {
    namespace asio = boost::asio;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  HttpResult request(boost::beast::http::verb method, const std::string& target,
                     std::map<std::string, std::string> headers = {}, std::string body = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers)
      req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == http::verb::head) parser.skip(true);
    http::read(socket_, buffer_, parser);
    HttpResult out;
    out.status = parser.get().result_int();
    for (const auto& f : parser.get()) {
      std::string name(f.name_string());
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = parser.get().body();
    return out;
  }
  HttpResult get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    return request(boost::beast::http::verb::get, target, std::move(headers));
  }

  // Sends raw bytes and returns everything the server sends until it closes (or 5 s pass).
  std::string raw(const std::string& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
    return read_until_close();
  }
  // Like raw(), for requests the server may refuse before reading them whole: a write cut off by
  // its close is not an error, and its answer is still read.
  std::string raw_refusable(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    return read_until_close();
  }
  std::string read_until_close() {
    std::string out;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      auto n = socket_.read_some(boost::asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) break;
    }
    return out;
  }
  // True when the server has closed the connection (reads EOF within the socket timeout).
  bool closed_by_server() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

inline HttpResult http_get(std::uint16_t port, const std::string& target,
                           std::map<std::string, std::string> headers = {}) {
  HttpClient c(port);
  return c.get(target, std::move(headers));
}

// The server binary as a child process; killed (SIGKILL) if still running at destruction.
class ServerProcess {
 public:
  // `in_child` runs in the child between fork and exec (async-signal-safe calls only, e.g.
  // setrlimit), for tests that constrain the server.
  ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args = {},
                std::map<std::string, std::string> env = {}, std::function<void()> in_child = {}) {
    static int counter = 0;
    port_file_ = data_dir + "/port-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    log_file_ = port_file_ + ".log";
    // An empty settings file of our own, so a developer's ./.env never leaks into a test.
    auto env_file = data_dir + "/.env-none";
    std::ofstream{env_file}.flush();
    ::chmod(env_file.c_str(), 0600);
    std::vector<std::string> args{CINESTREAM_BINARY, "serve",
                                  "--data-dir",      data_dir,
                                  "--port",          "0",
                                  "--port-file",     port_file_,
                                  "--env-file",      data_dir + "/.env-none"};
    // One process with two loops unless the test asks otherwise.
    auto given = [&](const std::string& flag) {
      return std::find(extra_args.begin(), extra_args.end(), flag) != extra_args.end();
    };
    if (!given("--threads")) args.insert(args.end(), {"--threads", "2"});
    if (!given("--workers")) args.insert(args.end(), {"--workers", "1"});
    // Tests fire requests faster than a visitor; the limits have tests of their own.
    if (!given("--api-rate-per-second")) args.insert(args.end(), {"--api-rate-per-second", "0"});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = start(args, env, log_file_, in_child);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream in(port_file_);
      if (in >> port_) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("server exited during start-up:\n" + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("server did not start:\n" + log());
  }
  ~ServerProcess() {
    if (pid_ > 0) {
#ifdef CINESTREAM_SANITIZED
      // A clean exit, so LeakSanitizer runs and races at shutdown are seen; killed if it hangs.
      ::kill(pid_, SIGTERM);
      if (wait_exit(std::chrono::seconds(20)) == -1 && pid_ > 0) ::kill(pid_, SIGKILL);
#else
      ::kill(pid_, SIGKILL);
#endif
      if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    }
    expect_no_sanitizer_reports(log_file_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const {
    return port_;
  }
  pid_t pid() const {
    return pid_;
  }
  std::string log() const {
    std::ifstream in(log_file_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void signal(int sig) {
    ::kill(pid_, sig);
  }
  // Waits for exit; returns the exit status, or -1 on timeout / death by signal.
  int wait_exit(std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        expect_no_sanitizer_reports(log_file_);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  // Runs the binary to completion (for commands other than serve); returns its exit status.
  static int run(const std::vector<std::string>& args, const std::string& log_file,
                 std::map<std::string, std::string> env = {}) {
    std::vector<std::string> full{CINESTREAM_BINARY};
    full.insert(full.end(), args.begin(), args.end());
    pid_t pid = start(full, env, log_file);
    int status = 0;
    ::waitpid(pid, &status, 0);
    expect_no_sanitizer_reports(log_file);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // A sanitized binary writes its reports to `<log>.san.<pid>` (log_path, set in start()); any
  // such file fails the running test, whichever process (worker, supervisor) wrote it.
  static void expect_no_sanitizer_reports(const std::string& log) {
    namespace fs = std::filesystem;
    fs::path p(log);
    auto prefix = p.filename().string() + ".san.";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(p.parent_path(), ec)) {
      if (!e.path().filename().string().starts_with(prefix)) continue;
      std::ifstream in(e.path());
      std::stringstream report;
      report << in.rdbuf();
      ADD_FAILURE() << "sanitizer report from " << e.path().filename() << ":\n" << report.str();
      fs::remove(e.path(), ec);  // reported once
    }
  }

 private:
  static pid_t start(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env, const std::string& log,
                     const std::function<void()>& in_child = {}) {
    pid_t pid = ::fork();
    if (pid == 0) {
      if (in_child) in_child();
      FILE* f = std::fopen(log.c_str(), "w");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      for (const auto& [k, v] : env)
        ::setenv(k.c_str(), v.c_str(), 1);
      // Sanitizer reports into files of their own (see expect_no_sanitizer_reports); the later
      // log_path wins over one already in the options.
      for (const char* var : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
        const char* given = std::getenv(var);
        std::string options = given ? std::string(given) + ":" : std::string();
        options += "log_path=" + log + ".san";
        ::setenv(var, options.c_str(), 1);
      }
      std::vector<char*> argv;
      for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    return pid;
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string port_file_;
  std::string log_file_;
};

}  // namespace cinestream::testing
