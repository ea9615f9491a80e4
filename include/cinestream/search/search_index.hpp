#pragma once
// Search over the film catalogue: lexical (lexical_index.hpp) and by meaning (vector_index.hpp
// over an Embedder's vectors), fused by reciprocal rank (fusion.hpp). Built once from a snapshot
// of the catalogue and replaced whole when it changes; immutable, so its const members are safe
// from any number of threads. Searching costs CPU (milliseconds at 10,000 films): callers run it
// on the CPU pool, never on an event loop.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/search/embedder.hpp"
#include "cinestream/search/lexical_index.hpp"
#include "cinestream/search/query.hpp"
#include "cinestream/search/vector_index.hpp"

namespace cinestream::search {

struct Document {
  std::int64_t film = 0;
  std::vector<std::string> titles;  // any language/script
  std::vector<std::string> genres;
  std::vector<std::string> overviews;
  int year = 0;  // 0: unknown
};

// The texts embedded for a document, each its own vector: its titles together (short, so that a
// title typed as a query is close to it), and each overview with the genres (a Ukrainian plot
// description meets the Ukrainian overview without the English one diluting it). A film's
// similarity to a query is that of its closest text.
std::vector<std::string> embedding_texts(const Document& d);

class SearchIndex {
 public:
  // `embedder` must outlive the index: it embeds the queries of search() (see the overload
  // taking a query vector to embed elsewhere). Throws std::invalid_argument when the embedder
  // returns vectors of another size than its dimensions().
  static std::shared_ptr<const SearchIndex> build(std::vector<Document> docs,
                                                  const Embedder& embedder);

  struct Hit {
    std::int64_t film;
    double score;  // lexical: BM25; vector: cosine; fused: reciprocal rank sum
  };
  enum class Mode { lexical, vector, fused };

  // Films matching `query`, best first, at most `limit`. Films in `boost_first` (playing in the
  // visitor's city) come before all others, in their own order of relevance. An invalid query
  // (validate_query) finds nothing.
  std::vector<Hit> search(std::string_view query, std::size_t limit, Mode mode = Mode::fused,
                          std::span<const std::int64_t> boost_first = {}) const;
  // The same with the query's vector already computed (an embedder called elsewhere); an empty
  // vector searches lexically only.
  std::vector<Hit> search(std::string_view query, std::span<const float> query_vector,
                          std::size_t limit, Mode mode,
                          std::span<const std::int64_t> boost_first = {}) const;
  // Films whose titles start with the words of `prefix` (as typed), best first.
  std::vector<Hit> suggest(std::string_view prefix, std::size_t limit) const;

  std::size_t size() const { return films_.size(); }
  // The index's own memory (postings, vocabulary, vectors), not counting the allocator's slack.
  std::size_t memory_bytes() const;

  // Vector matches below this cosine are noise: unrelated texts' hashed or learned vectors are
  // near-orthogonal (for 384 hashed dimensions, one standard deviation is 1/sqrt(384) = 0.05).
  static constexpr float kMinCosine = 0.15F;
  // How deep each list goes into the fusion (and into the partition by boost_first).
  static constexpr std::size_t kFusionDepth = 100;

  SearchIndex(std::vector<std::int64_t> films, LexicalIndex lexical, VectorIndex vectors,
              std::vector<std::uint32_t> row_documents, const Embedder& embedder);

 private:
  std::vector<std::int64_t> films_;  // per document number
  LexicalIndex lexical_;
  VectorIndex vectors_;
  std::vector<std::uint32_t> row_documents_;  // per vector row, its document number
  const Embedder* embedder_;
};

}  // namespace cinestream::search
