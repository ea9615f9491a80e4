#pragma once
// Vectors a remote EmbeddingService gave, by the exact text embedded: the search feature asks
// the service only for texts it has no vector for, so a film is embedded again only when its
// titles, genres or overview change. A frozen copy (sharing the vectors) is the Embedder an index
// is built with: a text without a vector gets zeros, which vector search never matches.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cinestream/search/embedder.hpp"

namespace cinestream::search {

class VectorCache final : public Embedder {
 public:
  explicit VectorCache(std::size_t dimensions) : dimensions_(dimensions) {}

  std::size_t dimensions() const override { return dimensions_; }
  std::vector<std::vector<float>> embed(std::span<const std::string> texts) const override;

  // The texts (once each, in first-seen order) that have no vector yet.
  std::vector<std::string> missing(std::span<const std::string> texts) const;
  // Keeps a vector of the right size for the text; others are ignored.
  void put(const std::string& text, std::vector<float> vector);
  // Forgets every text not in `texts` (films that changed or left the catalogue).
  void retain(std::span<const std::string> texts);
  std::size_t size() const { return vectors_.size(); }

 private:
  std::size_t dimensions_;
  std::unordered_map<std::string, std::shared_ptr<const std::vector<float>>> vectors_;
};

}  // namespace cinestream::search
