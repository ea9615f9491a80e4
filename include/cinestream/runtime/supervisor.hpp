#pragma once
// One process per core group: the supervisor forks a worker per group, pins it to its CPUs, and
// restarts a worker that dies (with backoff, so a crash loop does not spin). On SIGTERM/SIGINT it
// forwards the signal, waits for every worker to drain, and exits 0. The supervisor itself holds
// no threads, sockets or store connections a worker could inherit by accident.
#include <chrono>
#include <functional>
#include <vector>

namespace cinestream {

struct WorkerSpec {
  unsigned index = 0;
  std::vector<int> cpus;
};

struct SupervisorOptions {
  std::vector<std::vector<int>> groups;  // one worker per group
  std::chrono::milliseconds shutdown_timeout{10'000};
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{10'000};
  std::chrono::seconds stable_after{30};  // a worker that lived this long restarts at once
};

// Runs in the parent until shutdown; `run_worker` runs in each child and returns its exit status.
int supervise(const SupervisorOptions& options,
              const std::function<int(const WorkerSpec&)>& run_worker);

}  // namespace cinestream
