#include "cinestream/search/vector_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cinestream::search {
namespace {

// Scale so that the largest component is +-127; zeros stay zeros.
float quantise(std::span<const float> v, std::int8_t* out) {
  float largest = 0;
  for (float x : v)
    largest = std::max(largest, std::abs(x));
  const float scale = largest > 0 ? largest / 127.0F : 0.0F;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out[i] = scale > 0 ? static_cast<std::int8_t>(std::lround(v[i] / scale)) : std::int8_t{0};
  }
  return scale;
}

// Sum of row[i] * query[i]: the query already widened to 16 bits (once per query), the row read
// as 8 bits. 16 components per step with SSE2 (every x86-64): sign-extend the row's bytes, then
// multiply and add pairs into 32-bit sums (pmaddwd). 127 * 127 * 2 fits 32 bits many times over.
std::int32_t dot_i8(const std::int8_t* row, const std::int16_t* query, std::size_t n) {
  std::size_t i = 0;
  std::int32_t sum = 0;
#if defined(__SSE2__)
  __m128i acc = _mm_setzero_si128();
  const __m128i zero = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    const __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i));
    const __m128i sign = _mm_cmpgt_epi8(zero, r);
    const __m128i lo = _mm_unpacklo_epi8(r, sign);
    const __m128i hi = _mm_unpackhi_epi8(r, sign);
    const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(query + i));
    const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(query + i + 8));
    acc = _mm_add_epi32(acc, _mm_add_epi32(_mm_madd_epi16(lo, q0), _mm_madd_epi16(hi, q1)));
  }
  alignas(16) std::int32_t lanes[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), acc);
  sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#endif
  for (; i < n; ++i)
    sum += static_cast<std::int32_t>(row[i]) * query[i];
  return sum;
}

}  // namespace

VectorIndex::VectorIndex(std::size_t dimensions) : dimensions_(dimensions) {}

void VectorIndex::reserve(std::size_t rows) {
  data_.reserve(rows * dimensions_);
  scales_.reserve(rows);
}

void VectorIndex::add(std::span<const float> unit_vector) {
  if (unit_vector.size() != dimensions_) {
    throw std::invalid_argument("vector of the wrong number of dimensions");
  }
  const auto at = data_.size();
  data_.resize(at + dimensions_);
  scales_.push_back(quantise(unit_vector, data_.data() + at));
}

float dot(std::span<const float> a, std::span<const float> b) {
  const std::size_t n = std::min(a.size(), b.size());
  float sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    sum += a[i] * b[i];
  return sum;
}

void VectorIndex::score_all(std::span<const float> query, std::span<float> out) const {
  const auto rows = std::min(size(), out.size());
  if (query.size() != dimensions_) {
    std::fill_n(out.begin(), rows, 0.0F);
    return;
  }
  std::vector<std::int8_t> q8(dimensions_);
  const float query_scale = quantise(query, q8.data());
  const std::vector<std::int16_t> q16(q8.begin(), q8.end());
  for (std::size_t r = 0; r < rows; ++r) {
    const auto product = dot_i8(data_.data() + r * dimensions_, q16.data(), dimensions_);
    out[r] = static_cast<float>(product) * scales_[r] * query_scale;
  }
}

std::vector<VectorIndex::Scored> VectorIndex::top_k(std::span<const float> query, std::size_t k,
                                                    float min_score) const {
  std::vector<Scored> out;
  if (query.size() != dimensions_ || k == 0) return out;
  std::vector<float> scores(size());
  score_all(query, scores);
  for (std::size_t r = 0; r < scores.size(); ++r) {
    if (scores[r] >= min_score) out.push_back({static_cast<std::uint32_t>(r), scores[r]});
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
