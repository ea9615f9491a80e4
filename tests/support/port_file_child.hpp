#pragma once
// A helper server the tests start as a child process (the MongoDB peer, the SMTP server): it
// listens on an ephemeral port of 127.0.0.1 and writes that port to a file. Its standard input is
// a pipe we hold, so it can exit by itself if this process dies; its output goes to a log file.
// Stopped with SIGTERM, then SIGKILL after 5 s.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cinestream::testing {

class PortFileChild {
 public:
  PortFileChild() = default;
  ~PortFileChild() { stop(); }
  PortFileChild(const PortFileChild&) = delete;
  PortFileChild& operator=(const PortFileChild&) = delete;

  // Runs argv (argv[0] looked up in PATH) and waits up to `timeout` for the port file. True when
  // it listens; else exit_status() says whether it exited (127: the program was not found).
  bool start(std::vector<std::string> argv, const std::string& port_file,
             const std::string& log_file, std::chrono::seconds timeout) {
    port_file_ = port_file;
    log_file_ = log_file;
    // A file left by a killed run whose pid this process now has would otherwise be read as
    // our child's port before it has written one.
    std::error_code ec;
    std::filesystem::remove(port_file, ec);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[0], 0);
      int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
      }
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      std::_Exit(127);
    }
    ::close(fds[0]);
    stdin_ = fds[1];
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) {
        port_ = port;
        return true;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Idempotent; removes the port file (the log stays for the caller).
  void stop() {
    if (stdin_ >= 0) {
      ::close(stdin_);
      stdin_ = -1;
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      int status = 0;
      while (::waitpid(pid_, &status, WNOHANG) != pid_) {
        if (std::chrono::steady_clock::now() > until) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      pid_ = -1;
    }
    std::error_code ec;
    if (!port_file_.empty()) std::filesystem::remove(port_file_, ec);
    port_ = 0;
  }

  bool running() const { return port_ > 0 && pid_ > 0; }
  int port() const { return port_; }
  // Set when the child exited during start().
  std::optional<int> exit_status() const { return exit_status_; }
  std::string log() const {
    std::ifstream in(log_file_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
  std::optional<int> exit_status_;
  std::string port_file_;
  std::string log_file_;
};

}  // namespace cinestream::testing
