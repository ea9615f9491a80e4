#include "cinestream/search/fusion.hpp"

#include <algorithm>
#include <unordered_map>

namespace cinestream::search {

std::vector<FusedItem> reciprocal_rank_fusion(std::span<const std::vector<std::int64_t>> rankings,
                                              double k) {
  struct Acc {
    double score = 0;
    std::size_t best_rank = SIZE_MAX;
  };
  std::unordered_map<std::int64_t, Acc> acc;
  for (const auto& list : rankings) {
    for (std::size_t r = 0; r < list.size(); ++r) {
      auto& a = acc[list[r]];
      a.score += 1.0 / (k + static_cast<double>(r + 1));
      a.best_rank = std::min(a.best_rank, r);
    }
  }
  std::vector<std::pair<std::int64_t, Acc>> all(acc.begin(), acc.end());
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.second.score != b.second.score) return a.second.score > b.second.score;
    if (a.second.best_rank != b.second.best_rank) return a.second.best_rank < b.second.best_rank;
    return a.first < b.first;
  });
  std::vector<FusedItem> out;
  out.reserve(all.size());
  for (const auto& [id, a] : all)
    out.push_back({id, a.score});
  return out;
}

}  // namespace cinestream::search
