#include "cinestream/runtime/supervisor.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "cinestream/runtime/cpu_layout.hpp"

namespace cinestream {
namespace {

using Clock = std::chrono::steady_clock;

struct Worker {
  WorkerSpec spec;
  pid_t pid = -1;
  Clock::time_point started{};
  Clock::time_point restart_at{};
  std::chrono::milliseconds backoff{0};
};

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

int supervise(const SupervisorOptions& options,
              const std::function<int(const WorkerSpec&)>& run_worker) {
  auto set = handled_signals();
  sigset_t previous;
  // Signals are taken synchronously with sigtimedwait: no handler runs in the middle of a fork.
  sigprocmask(SIG_BLOCK, &set, &previous);
  const pid_t supervisor = getpid();

  std::vector<Worker> workers;
  for (unsigned i = 0; i < options.groups.size(); ++i)
    workers.push_back({{i, options.groups[i]}, -1, {}, {}, options.min_backoff});

  auto spawn = [&](Worker& w) {
    spdlog::default_logger()->flush();
    pid_t pid = fork();
    if (pid == 0) {
      // Until the worker handles SIGHUP itself (it reopens its log), one passed on must not end it.
      ::signal(SIGHUP, SIG_IGN);
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      // A worker never outlives its supervisor.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != supervisor) _exit(1);
      if (!pin_process(w.spec.cpus))
        spdlog::warn("worker {}: could not pin to CPUs {}", w.spec.index,
                     format_cpu_list(w.spec.cpus));
      _exit(run_worker(w.spec));
    }
    if (pid < 0) {
      spdlog::error("supervisor: fork failed; retrying worker {} in {} ms", w.spec.index,
                    w.backoff.count());
      w.restart_at = Clock::now() + w.backoff;
      return;
    }
    w.pid = pid;
    w.started = Clock::now();
    spdlog::info("supervisor: worker {} started as pid {} on CPUs {}", w.spec.index, pid,
                 format_cpu_list(w.spec.cpus));
  };
  for (auto& w : workers)
    spawn(w);

  bool stopping = false;
  Clock::time_point kill_at{};
  for (;;) {
    timespec tick{0, 100'000'000};
    siginfo_t info{};
    int sig = sigtimedwait(&set, &info, &tick);
    if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
      stopping = true;
      kill_at = Clock::now() + options.shutdown_timeout + std::chrono::seconds(5);
      spdlog::info("supervisor: signal {}: draining {} workers", sig, workers.size());
      for (auto& w : workers) {
        if (w.pid > 0) kill(w.pid, SIGTERM);
      }
    }
    if (sig == SIGHUP && !stopping) {
      // logrotate signals the main PID: every worker reopens its access log.
      for (auto& w : workers) {
        if (w.pid > 0) kill(w.pid, SIGHUP);
      }
    }
    // Reap every worker that ended (SIGCHLD may merge several).
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      auto it = std::find_if(workers.begin(), workers.end(),
                             [&](const Worker& w) { return w.pid == pid; });
      if (it == workers.end()) continue;
      it->pid = -1;
      if (stopping) {
        spdlog::info("supervisor: worker {} (pid {}) stopped", it->spec.index, pid);
        continue;
      }
      auto lived = Clock::now() - it->started;
      it->backoff = lived >= options.stable_after ? options.min_backoff
                                                  : std::min(options.max_backoff, it->backoff * 2);
      it->restart_at = Clock::now() +
                       (lived >= options.stable_after ? std::chrono::milliseconds(0) : it->backoff);
      spdlog::warn(
          "supervisor: worker {} (pid {}) {} {}; restarting in {} ms", it->spec.index, pid,
          WIFSIGNALED(status) ? "killed by signal" : "exited with",
          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
          std::chrono::duration_cast<std::chrono::milliseconds>(it->restart_at - Clock::now())
              .count());
    }
    bool any_alive =
        std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.pid > 0; });
    if (stopping) {
      if (!any_alive) break;
      if (Clock::now() >= kill_at) {
        for (auto& w : workers) {
          if (w.pid > 0) kill(w.pid, SIGKILL);
        }
      }
      continue;
    }
    for (auto& w : workers) {
      if (w.pid < 0 && Clock::now() >= w.restart_at) spawn(w);
    }
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  spdlog::info("supervisor: every worker drained; stopped");
  return 0;
}

}  // namespace cinestream
