#pragma once
// Which CPUs the server's workers run on. On Intel hybrid CPUs the workers take the E-cores
// (/sys/devices/cpu_atom/cpus) and leave the P-cores (/sys/devices/cpu_core/cpus) to the database
// and nginx, as the original does; elsewhere all allowed CPUs. Always intersected with the
// process's allowed set (sched_getaffinity), overridable with --cpus. CPUs are split into core
// groups (CPUs sharing an L2 cache): one worker process per group.
#include <string>
#include <string_view>
#include <vector>

namespace cinestream {

// "0-3,8,10-11" <-> {0,1,2,3,8,10,11}. Throws std::invalid_argument on malformed lists.
std::vector<int> parse_cpu_list(std::string_view list);
std::string format_cpu_list(const std::vector<int>& cpus);

struct CpuLayout {
  std::vector<int> allowed;              // what the process may use
  std::vector<int> worker_cpus;          // chosen for the workers
  std::vector<int> reserved;             // left for the database and nginx (P-cores)
  std::vector<std::vector<int>> groups;  // one per worker process
  std::string source;                    // how it was chosen, for the start-up log
};

// `sysfs`: "/sys" (tests pass a fake tree). `override_cpus`: the --cpus value or empty.
// `workers`: 0 = one per core group; otherwise the worker CPUs are split into that many groups.
CpuLayout detect_cpu_layout(const std::string& sysfs, const std::string& override_cpus,
                            unsigned workers, std::vector<int> allowed = {});

// The CPUs this process may run on now.
std::vector<int> allowed_cpus_of_process();
// Pins the calling process (and the threads it starts later) to `cpus`.
bool pin_process(const std::vector<int>& cpus);

}  // namespace cinestream
