#pragma once
// Exact nearest neighbours by cosine over unit vectors, stored contiguously, one row per vector,
// each component quantised to 8 bits with a scale per row (a quarter of the memory of floats,
// and a quarter of the bytes each query reads; cosines move by about 0.005, below what changes a
// ranking: bench/search measures quality with it). Exact search is fast enough at this
// catalogue's size: a query reads every row, 20,000 rows x 384 = 7.7 M multiply-adds, measured at
// about 2 ms of CPU on this 2-core VM (bench/search, 10,000 films, two rows each), so no
// approximate index (HNSW) is needed until the catalogue is several times larger.
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
  void reserve(std::size_t rows);

  struct Scored {
    std::uint32_t row;
    float score;  // cosine similarity (dot product of unit vectors)
  };
  // The `k` rows most similar to `query` with a score of at least `min_score`, best first (ties:
  // lower row first). A query of another size matches nothing.
  std::vector<Scored> top_k(std::span<const float> query, std::size_t k,
                            float min_score = -2.0F) const;
  // The similarity of every row to `query`, into out[0 .. size()); zeros for a query of another
  // size.
  void score_all(std::span<const float> query, std::span<float> out) const;

  std::size_t size() const { return scales_.size(); }
  std::size_t dimensions() const { return dimensions_; }
  std::size_t memory_bytes() const {
    return data_.capacity() * sizeof(std::int8_t) + scales_.capacity() * sizeof(float);
  }

 private:
  std::size_t dimensions_;
  std::vector<std::int8_t> data_;  // rows x dimensions, row-major
  std::vector<float> scales_;      // per row: component = data * scale
};

// The dot product of two equally long float vectors.
float dot(std::span<const float> a, std::span<const float> b);

}  // namespace cinestream::search
