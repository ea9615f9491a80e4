#pragma once
// Exact nearest neighbours by cosine over unit vectors, stored contiguously (row-major floats).
// Exact search is fast enough at this catalogue's size: one query is rows x dimensions
// multiply-adds, 10,000 x 384 = 3.8 M, measured at about 1.3 ms on one core of this 2-core VM
// (bench/search, Release; ~2.6 ms at 20,000 films), so no approximate index (HNSW) is needed
// until the catalogue is ten times larger.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cinestream::search {

class VectorIndex {
 public:
  explicit VectorIndex(std::size_t dimensions);

  // Appends a row (building only; not thread-safe). Throws std::invalid_argument on a vector of
  // another size.
  void add(std::span<const float> unit_vector);
  void reserve(std::size_t rows) { data_.reserve(rows * dimensions_); }

  struct Scored {
    std::uint32_t row;
    float score;  // cosine similarity (dot product of unit vectors)
  };
  // The `k` rows most similar to `query` with a score of at least `min_score`, best first (ties:
  // lower row first). A query of another size matches nothing.
  std::vector<Scored> top_k(std::span<const float> query, std::size_t k,
                            float min_score = -2.0F) const;

  // The similarity of every row to `query`, into out[0 .. size()).
  void score_all(std::span<const float> query, std::span<float> out) const;

  std::size_t size() const { return dimensions_ == 0 ? 0 : data_.size() / dimensions_; }
  std::size_t dimensions() const { return dimensions_; }
  std::span<const float> row(std::uint32_t r) const {
    return {data_.data() + static_cast<std::size_t>(r) * dimensions_, dimensions_};
  }
  std::size_t memory_bytes() const { return data_.capacity() * sizeof(float); }

 private:
  std::size_t dimensions_;
  std::vector<float> data_;
};

// The dot product of two equally long vectors.
float dot(std::span<const float> a, std::span<const float> b);

}  // namespace cinestream::search
