#pragma once
// In-memory lexical index over folded text (search_text.hpp): word postings with per-field term
// frequencies, scored BM25-style per field (titles weigh most), with typo tolerance (a query
// word of 4 letters or more also matches vocabulary words within edit distance 1, or 2 from 8
// letters, found through the words' character trigrams) and prefix matching of the last word
// (as-you-type). Immutable after construction; const members are thread-safe.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::search {

class LexicalIndex {
 public:
  struct Fields {
    std::vector<std::string> titles;     // any language or script
    std::vector<std::string> genres;     // and other short labels (the year)
    std::vector<std::string> overviews;  // any language
  };
  // Document numbers are positions in `docs`.
  explicit LexicalIndex(std::span<const Fields> docs);

  struct Scored {
    std::uint32_t doc;
    double score;
  };
  // Documents matching any word of `query` (or a word it may be a typo or the start of), best
  // first, at most `limit` (0: all).
  std::vector<Scored> search(std::string_view query, std::size_t limit) const;
  // Documents whose titles match every word of `prefix`, its last word as a prefix.
  std::vector<Scored> suggest(std::string_view prefix, std::size_t limit) const;

  std::size_t size() const { return lengths_.size(); }
  std::size_t vocabulary_size() const { return terms_.size(); }
  std::size_t memory_bytes() const;

 private:
  static constexpr std::size_t kFields = 3;  // titles, genres, overviews
  struct Posting {
    std::uint32_t doc;
    std::array<std::uint16_t, kFields> tf;
  };
  struct Expansion {
    std::uint32_t term;
    double weight;
  };
  struct Options {
    std::array<double, kFields> field_weights;
    bool require_all;      // every query word must match (suggestions)
    double prefix_weight;  // of the last word's completions; 0: none
    std::size_t min_prefix;
    double stem_weight;  // of words sharing all but the last two letters; 0: none
  };

  std::vector<Expansion> expand(const std::string& word, bool last, const Options& o) const;
  std::vector<Scored> rank(std::string_view query, std::size_t limit, const Options& o) const;
  std::int64_t find_term(std::string_view word) const;
  double idf(std::uint32_t term) const;

  std::vector<std::string> terms_;             // sorted: prefix ranges by binary search
  std::vector<std::uint32_t> postings_start_;  // per term, into postings_; one more at the end
  std::vector<Posting> postings_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> grams_;  // (trigram, term), sorted
  std::vector<std::array<std::uint16_t, kFields>> lengths_;     // per doc and field
  std::array<double, kFields> average_length_{};
  // Each document's titles as term numbers: doc d's titles are titles_[title_start_[d] ..
  // title_start_[d + 1]), title t's words title_terms_[title_words_[t] .. title_words_[t + 1]).
  std::vector<std::uint32_t> title_start_;
  std::vector<std::uint32_t> title_words_;
  std::vector<std::uint32_t> title_terms_;
};

}  // namespace cinestream::search
