#pragma once
// The loopback SMTP server of the mail tests: tests/support/smtp_server.py (Debian's
// python3-aiosmtpd) as a child process on an ephemeral port of 127.0.0.1. Messages it accepts
// land as files in maildir(); SIGTERM at destruction, and it exits by itself when this process
// dies (its standard input is a pipe we hold).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/port_file_child.hpp"

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
        "/usr/bin/python3",  // Debian's, which has python3-aiosmtpd
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
    child_.start(std::move(args), (dir_ / "port").string(), (dir_ / "server.log").string(),
                 std::chrono::seconds(20));
  }
  ~SmtpServer() { stop(); }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  void stop() { child_.stop(); }

  bool running() const { return child_.running(); }
  int port() const { return child_.port(); }
  std::string url() const { return fmt::format("smtp://127.0.0.1:{}", port()); }
  std::string ca_file() const { return (dir_ / "tls" / "cert.pem").string(); }
  std::filesystem::path maildir() const { return dir_ / "mail"; }
  std::string log() const { return child_.log(); }

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
  PortFileChild child_;
};

}  // namespace cinestream::testing
