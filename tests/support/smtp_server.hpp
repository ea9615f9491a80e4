#pragma once
// The loopback SMTP server of the mail tests: tests/support/smtp_server.py (Debian's
// python3-aiosmtpd) as a child process on an ephemeral port of 127.0.0.1. Messages it accepts
// land as files in maildir(); SIGTERM at destruction, and it exits by itself when this process
// dies (its standard input is a pipe we hold).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cinestream::testing {

struct SmtpServerOptions {
  bool starttls = false;           // a self-signed certificate for 127.0.0.1, STARTTLS required
  std::string user{}, password{};  // non-empty: AUTH required
  std::vector<std::string> tempfail{};  // "addr=N": 451 to the first N RCPTs for addr
  std::vector<std::string> reject{};    // 550 to every RCPT for the address
};

class SmtpServer {
 public:
  // `dir`: an empty directory for its port file, certificate and received messages.
  SmtpServer(const std::filesystem::path& dir, const SmtpServerOptions& options) : dir_(dir) {
    namespace fs = std::filesystem;
    fs::create_directories(maildir());
    if (options.starttls) fs::create_directories(dir_ / "tls");
    std::vector<std::string> args = {
        "/usr/bin/python3",
        (fs::path(CINESTREAM_SOURCE_DIR) / "tests" / "support" / "smtp_server.py").string(),
        "--port-file",
        (dir_ / "port").string(),
        "--maildir",
        maildir().string()};
    if (options.starttls) args.insert(args.end(), {"--tls-dir", (dir_ / "tls").string()});
    if (!options.user.empty())
      args.insert(args.end(), {"--user", options.user, "--password", options.password});
    for (const auto& t : options.tempfail)
      args.insert(args.end(), {"--tempfail", t});
    for (const auto& r : options.reject)
      args.insert(args.end(), {"--reject", r});
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    std::string log = (dir_ / "server.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[0], 0);
      int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
      }
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    ::close(fds[0]);
    stdin_ = fds[1];
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream in(dir_ / "port");
      int port = 0;
      if (in >> port && port > 0) {
        port_ = port;
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~SmtpServer() { stop(); }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  bool running() const { return port_ > 0 && pid_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::string ca_file() const { return (dir_ / "tls" / "cert.pem").string(); }
  std::filesystem::path maildir() const { return dir_ / "mail"; }
  std::string log() const {
    std::ifstream in(dir_ / "server.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // The received messages' bytes, in the order they arrived.
  std::vector<std::string> messages() const {
    std::vector<std::pair<int, std::string>> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(maildir(), ec)) {
      if (entry.path().extension() != ".eml") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      found.emplace_back(std::stoi(entry.path().stem().string()), ss.str());
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& f : found)
      out.push_back(std::move(f.second));
    return out;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

}  // namespace cinestream::testing
