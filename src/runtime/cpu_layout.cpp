#include "cinestream/runtime/cpu_layout.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace cinestream {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<int> intersect(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::vector<int> parse_cpu_list(std::string_view list) {
  std::set<int> cpus;
  auto number = [&](std::string_view s) {
    int v = -1;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 0 || v > 4095) {
      throw std::invalid_argument(fmt::format("bad CPU number '{}'", s));
    }
    return v;
  };
  while (!list.empty() && (list.back() == '\n' || list.back() == ' '))
    list.remove_suffix(1);
  if (list.empty()) return {};
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      cpus.insert(number(item));
    } else {
      int from = number(item.substr(0, dash)), to = number(item.substr(dash + 1));
      if (to < from) throw std::invalid_argument(fmt::format("bad CPU range '{}'", item));
      for (int c = from; c <= to; ++c)
        cpus.insert(c);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return {cpus.begin(), cpus.end()};
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
      ++j;
    if (!out.empty()) out += ',';
    out += j == i ? std::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]);
    i = j + 1;
  }
  return out;
}

std::vector<int> allowed_cpus_of_process() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) out.push_back(c);
  }
  return out;
}

bool pin_process(const std::vector<int>& cpus) {
  if (cpus.empty()) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus)
    CPU_SET(c, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

CpuLayout detect_cpu_layout(const std::string& sysfs, const std::string& override_cpus,
                            unsigned workers, std::vector<int> allowed) {
  CpuLayout layout;
  layout.allowed = allowed.empty() ? allowed_cpus_of_process() : std::move(allowed);
  std::sort(layout.allowed.begin(), layout.allowed.end());
  if (!override_cpus.empty()) {
    layout.worker_cpus = intersect(parse_cpu_list(override_cpus), layout.allowed);
    layout.source = fmt::format("--cpus {}", override_cpus);
    if (layout.worker_cpus.empty())
      throw std::invalid_argument("--cpus: none of these CPUs may be used");
  } else {
    auto atom = parse_cpu_list(read_first_line(sysfs + "/devices/cpu_atom/cpus"));
    auto core = parse_cpu_list(read_first_line(sysfs + "/devices/cpu_core/cpus"));
    auto e_cores = intersect(atom, layout.allowed);
    if (!e_cores.empty() && !core.empty()) {
      layout.worker_cpus = e_cores;
      layout.reserved = intersect(core, layout.allowed);
      layout.source =
          "hybrid CPU: E-cores for the workers, P-cores left for the database and nginx";
    } else {
      layout.worker_cpus = layout.allowed;
      layout.source = "all allowed CPUs";
    }
  }
  // Core groups: CPUs that share an L2 cache (an E-core cluster, or a core's hyperthreads).
  std::map<std::string, std::vector<int>> by_l2;
  for (int c : layout.worker_cpus) {
    auto shared = read_first_line(
        fmt::format("{}/devices/system/cpu/cpu{}/cache/index2/shared_cpu_list", sysfs, c));
    by_l2[shared.empty() ? std::to_string(c) : shared].push_back(c);
  }
  std::vector<std::vector<int>> groups;
  for (auto& [key, cpus] : by_l2)
    groups.push_back(std::move(cpus));
  std::sort(groups.begin(), groups.end());
  if (workers > 0 && workers != groups.size()) {
    // An explicit count: deal the CPUs round-robin so every worker gets its share.
    groups.assign(workers, {});
    for (std::size_t i = 0; i < layout.worker_cpus.size(); ++i)
      groups[i % workers].push_back(layout.worker_cpus[i]);
    for (auto& g : groups) {
      // More workers than CPUs: a worker shares a CPU rather than running unpinned.
      if (g.empty())
        g.push_back(layout.worker_cpus[static_cast<std::size_t>(&g - groups.data()) %
                                       layout.worker_cpus.size()]);
    }
  }
  layout.groups = std::move(groups);
  return layout;
}

}  // namespace cinestream
