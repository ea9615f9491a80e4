#include "cinestream/search/vector_index.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace cinestream::search {

VectorIndex::VectorIndex(std::size_t dimensions) : dimensions_(dimensions) {}

void VectorIndex::add(std::span<const float> unit_vector) {
  if (unit_vector.size() != dimensions_) {
    throw std::invalid_argument("vector of the wrong number of dimensions");
  }
  data_.insert(data_.end(), unit_vector.begin(), unit_vector.end());
}

namespace {
// Four floats, for the SSE registers every x86-64 has (GCC and clang vector extensions; other
// targets get the same code in scalar form).
typedef float Float4 __attribute__((vector_size(16)));

Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);  // unaligned
  return v;
}
}  // namespace

float dot(std::span<const float> a, std::span<const float> b) {
  // Four independent four-lane sums: without -ffast-math the compiler may not reorder a float
  // sum, so the lanes are written out; four of them hide the adds' latency.
  const std::size_t n = std::min(a.size(), b.size());
  const float* pa = a.data();
  const float* pb = b.data();
  Float4 s0{}, s1{}, s2{}, s3{};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 += load4(pa + i) * load4(pb + i);
    s1 += load4(pa + i + 4) * load4(pb + i + 4);
    s2 += load4(pa + i + 8) * load4(pb + i + 8);
    s3 += load4(pa + i + 12) * load4(pb + i + 12);
  }
  const Float4 s = (s0 + s1) + (s2 + s3);
  float sum = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; ++i)
    sum += pa[i] * pb[i];
  return sum;
}

void VectorIndex::score_all(std::span<const float> query, std::span<float> out) const {
  const auto rows = std::min(size(), out.size());
  for (std::size_t r = 0; r < rows; ++r)
    out[r] = query.size() == dimensions_ ? dot(query, row(static_cast<std::uint32_t>(r))) : 0.0F;
}

std::vector<VectorIndex::Scored> VectorIndex::top_k(std::span<const float> query, std::size_t k,
                                                    float min_score) const {
  std::vector<Scored> out;
  if (query.size() != dimensions_ || k == 0) return out;
  const auto rows = size();
  for (std::size_t r = 0; r < rows; ++r) {
    const float s = dot(query, row(static_cast<std::uint32_t>(r)));
    if (s >= min_score) out.push_back({static_cast<std::uint32_t>(r), s});
  }
  auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.row < b.row;
  };
  if (out.size() > k) {
    std::nth_element(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), better);
    out.resize(k);
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

}  // namespace cinestream::search
