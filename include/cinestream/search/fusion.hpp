#pragma once
// Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): each ranked list gives an
// item 1 / (k + rank), rank from 1; the sums rank the union. Scores of different scales (BM25,
// cosine) need no calibration, only their order counts.
#include <cstdint>
#include <span>
#include <vector>

namespace cinestream::search {

inline constexpr double kRrfK = 60;

struct FusedItem {
  std::int64_t id;
  double score;
};

// The union of `rankings` (each best first, without repeats) by fused score, best first; ties go
// to the item with the better best rank, then the lower id.
std::vector<FusedItem> reciprocal_rank_fusion(std::span<const std::vector<std::int64_t>> rankings,
                                              double k = kRrfK);

}  // namespace cinestream::search
