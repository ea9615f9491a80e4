#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cinestream/runtime/cpu_layout.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}

// An i9-12900HK-like machine: P-cores 0-5 (one L2 each), E-cores 6-13 in two clusters of four.
void make_hybrid_sysfs(const testing::TempDir& dir) {
  write(dir.path() / "devices/cpu_core/cpus", "0-5");
  write(dir.path() / "devices/cpu_atom/cpus", "6-13");
  for (int c = 0; c < 14; ++c) {
    std::string l2 = c < 6 ? std::to_string(c) : (c < 10 ? "6-9" : "10-13");
    write(dir.path() / ("devices/system/cpu/cpu" + std::to_string(c)) /
              "cache/index2/shared_cpu_list",
          l2);
  }
}

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i <= to; ++i)
    v.push_back(i);
  return v;
}

TEST(CpuList, ParsesAndFormats) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(parse_cpu_list(""), std::vector<int>{});
  EXPECT_THROW(parse_cpu_list("3-1"), std::invalid_argument);
  EXPECT_THROW(parse_cpu_list("a"), std::invalid_argument);
  EXPECT_THROW(parse_cpu_list("1,,2"), std::invalid_argument);
}

TEST(CpuLayout, HybridCpuGivesTheECoresToWorkersInClusters) {
  testing::TempDir sys;
  make_hybrid_sysfs(sys);
  auto layout = detect_cpu_layout(sys.str(), "", 0, range(0, 13));
  EXPECT_EQ(layout.worker_cpus, range(6, 13));
  EXPECT_EQ(layout.reserved, range(0, 5));
  ASSERT_EQ(layout.groups.size(), 2u);
  EXPECT_EQ(layout.groups[0], range(6, 9));
  EXPECT_EQ(layout.groups[1], range(10, 13));
}

TEST(CpuLayout, AlwaysWithinTheAllowedSet) {
  testing::TempDir sys;
  make_hybrid_sysfs(sys);
  auto layout = detect_cpu_layout(sys.str(), "", 0, {0, 1, 6, 7});
  EXPECT_EQ(layout.worker_cpus, (std::vector<int>{6, 7}));
  EXPECT_EQ(layout.reserved, (std::vector<int>{0, 1}));
  // Only P-cores allowed: nothing hybrid to choose, all allowed CPUs.
  auto p_only = detect_cpu_layout(sys.str(), "", 0, {0, 1, 2});
  EXPECT_EQ(p_only.worker_cpus, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(p_only.reserved.empty());
}

TEST(CpuLayout, OverrideAndExplicitWorkerCount) {
  testing::TempDir sys;
  make_hybrid_sysfs(sys);
  auto layout = detect_cpu_layout(sys.str(), "2-9", 3, range(0, 7));
  EXPECT_EQ(layout.worker_cpus, range(2, 7));  // --cpus intersected with what is allowed
  ASSERT_EQ(layout.groups.size(), 3u);
  for (const auto& g : layout.groups)
    EXPECT_EQ(g.size(), 2u);
  EXPECT_THROW(detect_cpu_layout(sys.str(), "20-21", 0, range(0, 7)), std::invalid_argument);
  auto more_workers_than_cpus = detect_cpu_layout(sys.str(), "1", 3, range(0, 7));
  ASSERT_EQ(more_workers_than_cpus.groups.size(), 3u);
  for (const auto& g : more_workers_than_cpus.groups)
    EXPECT_EQ(g, std::vector<int>{1});
}

TEST(CpuLayout, PlainMachineUsesEveryAllowedCpu) {
  testing::TempDir empty;
  auto layout = detect_cpu_layout(empty.str(), "", 0, {0, 1});
  EXPECT_EQ(layout.worker_cpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(layout.groups.size(), 2u);  // no cache information: one CPU per group
}

}  // namespace
}  // namespace cinestream
