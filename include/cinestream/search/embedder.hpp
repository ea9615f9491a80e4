#pragma once
// Texts to vectors for search by meaning and content similarity. Synchronous: an implementation
// may compute (OfflineEmbedder) or wait on a service, so callers run it on a CPU or blocking
// pool, never on an event loop.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace cinestream::search {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual std::size_t dimensions() const = 0;
  // One unit vector (or all zeros, for a text with nothing to embed) of dimensions() per text.
  virtual std::vector<std::vector<float>> embed(std::span<const std::string> texts) const = 0;
};

// Deterministic, no network (demo mode, tests, and the fallback when no key is set): hashed
// features of the folded text (words without common function words, word bigrams, and each
// word's character trigrams, which carry typos and inflections), signed feature hashing into
// `dimensions`, sublinear term frequency, L2-normalised. It finds shared words and word pieces,
// not synonyms: "space" does not meet "cosmos". Thread-safe (no state).
class OfflineEmbedder final : public Embedder {
 public:
  explicit OfflineEmbedder(std::size_t dimensions = 384);
  std::size_t dimensions() const override { return dimensions_; }
  std::vector<std::vector<float>> embed(std::span<const std::string> texts) const override;
  std::vector<float> embed_one(std::string_view text) const;

 private:
  std::size_t dimensions_;
};

}  // namespace cinestream::search
