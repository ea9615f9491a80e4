#include "cinestream/search/lexical_index.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "cinestream/search/search_text.hpp"
#include "cinestream/text/edit_distance.hpp"

namespace cinestream::search {
namespace {

// BM25's usual constants.
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
// A title word says more about a film than an overview word; genres and the year are labels.
constexpr std::array<double, 3> kSearchWeights{3.0, 1.0, 1.0};
// How much a near spelling counts against the word itself: a word the index has is most likely
// meant (its neighbours count little), one it lacks is most likely a typo of a neighbour.
constexpr double kNearKnown = 0.35;
constexpr double kNearUnknown1 = 0.8;
constexpr double kNearUnknown2 = 0.6;
constexpr double kPrefixWeight = 0.7;
constexpr double kStemWeight = 0.6;
constexpr std::size_t kMinStemmed = 6;
constexpr std::size_t kMaxFuzzy = 16;
constexpr std::size_t kMaxCompletions = 32;
// Candidates re-scored by how completely they match one of their titles (a query that is a
// whole title is that film), and by how much: at most x1.5.
constexpr std::size_t kRescored = 256;
constexpr double kTitleCoverageBonus = 0.5;

std::uint32_t gram_key(unsigned char a, unsigned char b, unsigned char c) {
  return (static_cast<std::uint32_t>(a) << 16) | (static_cast<std::uint32_t>(b) << 8) | c;
}

template <typename F>
void for_each_gram(std::string_view word, F&& f) {
  std::string padded;
  padded.reserve(word.size() + 2);
  padded.push_back('^');
  padded += word;
  padded.push_back('$');
  for (std::size_t i = 0; i + 3 <= padded.size(); ++i) {
    f(gram_key(static_cast<unsigned char>(padded[i]), static_cast<unsigned char>(padded[i + 1]),
               static_cast<unsigned char>(padded[i + 2])));
  }
}

std::uint16_t saturate(std::size_t n) {
  return static_cast<std::uint16_t>(std::min<std::size_t>(n, UINT16_MAX));
}

}  // namespace

LexicalIndex::LexicalIndex(std::span<const Fields> docs) {
  // Folded words of every field of every document, then the sorted vocabulary.
  struct Folded {
    std::array<std::vector<std::string>, kFields> words;
    std::vector<std::vector<std::string>> titles;
  };
  std::vector<Folded> folded(docs.size());
  std::map<std::string, std::uint32_t> vocabulary;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const std::array<const std::vector<std::string>*, kFields> fields{
        &docs[d].titles, &docs[d].genres, &docs[d].overviews};
    for (std::size_t f = 0; f < kFields; ++f) {
      for (const auto& text : *fields[f]) {
        auto words = fold_words(text);
        for (const auto& w : words)
          vocabulary.emplace(w, 0);
        if (f == 0 && !words.empty()) folded[d].titles.push_back(words);
        auto& all = folded[d].words[f];
        all.insert(all.end(), std::make_move_iterator(words.begin()),
                   std::make_move_iterator(words.end()));
      }
    }
  }
  terms_.reserve(vocabulary.size());
  for (auto& [word, id] : vocabulary) {
    id = static_cast<std::uint32_t>(terms_.size());
    terms_.push_back(word);
  }

  // Postings, grouped by term (counting sort), documents in order within each term.
  std::vector<std::vector<Posting>> by_term(terms_.size());
  lengths_.resize(docs.size());
  std::array<double, kFields> total_length{};
  title_start_.push_back(0);
  title_words_.push_back(0);
  for (std::size_t d = 0; d < docs.size(); ++d) {
    std::unordered_map<std::uint32_t, std::array<std::uint16_t, kFields>> tf;
    for (std::size_t f = 0; f < kFields; ++f) {
      for (const auto& w : folded[d].words[f]) {
        auto& counts = tf[vocabulary[w]];
        counts[f] = saturate(counts[f] + 1U);
      }
      auto length = folded[d].words[f].size();
      // Several titles (one per language) are one field as long as one of them.
      if (f == 0 && !folded[d].titles.empty()) length /= folded[d].titles.size();
      lengths_[d][f] = saturate(std::max<std::size_t>(length, 1));
      total_length[f] += lengths_[d][f];
    }
    for (auto& [term, counts] : tf)
      by_term[term].push_back({static_cast<std::uint32_t>(d), counts});
    for (const auto& title : folded[d].titles) {
      for (const auto& w : title)
        title_terms_.push_back(vocabulary[w]);
      title_words_.push_back(static_cast<std::uint32_t>(title_terms_.size()));
    }
    title_start_.push_back(static_cast<std::uint32_t>(title_words_.size() - 1));
  }
  for (std::size_t f = 0; f < kFields; ++f) {
    average_length_[f] = docs.empty() ? 1.0 : std::max(1.0, total_length[f] / docs.size());
  }
  postings_start_.reserve(terms_.size() + 1);
  for (auto& list : by_term) {
    postings_start_.push_back(static_cast<std::uint32_t>(postings_.size()));
    std::sort(list.begin(), list.end(),
              [](const Posting& a, const Posting& b) { return a.doc < b.doc; });
    postings_.insert(postings_.end(), list.begin(), list.end());
  }
  postings_start_.push_back(static_cast<std::uint32_t>(postings_.size()));

  for (std::uint32_t t = 0; t < terms_.size(); ++t)
    for_each_gram(terms_[t], [&](std::uint32_t g) { grams_.emplace_back(g, t); });
  std::sort(grams_.begin(), grams_.end());
  grams_.erase(std::unique(grams_.begin(), grams_.end()), grams_.end());
}

std::int64_t LexicalIndex::find_term(std::string_view word) const {
  auto it = std::lower_bound(terms_.begin(), terms_.end(), word);
  if (it == terms_.end() || *it != word) return -1;
  return it - terms_.begin();
}

double LexicalIndex::idf(std::uint32_t term) const {
  const double n = static_cast<double>(size());
  const double df = postings_start_[term + 1] - postings_start_[term];
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

std::vector<LexicalIndex::Expansion> LexicalIndex::expand(const std::string& word, bool last,
                                                          const Options& o) const {
  std::vector<Expansion> out;
  const auto exact = find_term(word);
  if (exact >= 0) out.push_back({static_cast<std::uint32_t>(exact), 1.0});
  auto df = [&](std::uint32_t t) { return postings_start_[t + 1] - postings_start_[t]; };

  if (word.size() >= 4) {
    // Candidates share enough trigrams: one edit changes at most three of a word's trigrams.
    const std::size_t max_distance = word.size() >= 8 ? 2 : 1;
    std::unordered_map<std::uint32_t, std::uint32_t> shared;
    std::size_t grams = 0;
    for_each_gram(word, [&](std::uint32_t g) {
      ++grams;
      auto lo = std::lower_bound(grams_.begin(), grams_.end(), std::pair{g, 0U});
      for (; lo != grams_.end() && lo->first == g; ++lo)
        ++shared[lo->second];
    });
    const std::size_t needed = grams > 3 * max_distance ? grams - 3 * max_distance : 1;
    struct Near {
      std::uint32_t term;
      std::size_t distance;
    };
    std::vector<Near> near;
    for (const auto& [term, count] : shared) {
      if (count < needed || static_cast<std::int64_t>(term) == exact) continue;
      auto d = text::edit_distance(word, terms_[term], max_distance);
      if (d >= 1 && d <= max_distance) near.push_back({term, d});
    }
    std::sort(near.begin(), near.end(), [&](const Near& a, const Near& b) {
      if (a.distance != b.distance) return a.distance < b.distance;
      if (df(a.term) != df(b.term)) return df(a.term) > df(b.term);
      return a.term < b.term;
    });
    if (near.size() > kMaxFuzzy) near.resize(kMaxFuzzy);
    for (const auto& n : near) {
      double w = exact >= 0 ? (n.distance == 1 ? kNearKnown : 0.0)
                            : (n.distance == 1 ? kNearUnknown1 : kNearUnknown2);
      if (w > 0) out.push_back({n.term, w});
    }
  }

  // Words that start with `prefix`, the commonest first (what most people typing it are after).
  auto complete = [&](std::string_view prefix, double weight) {
    std::vector<std::uint32_t> completions;
    for (auto it = std::lower_bound(terms_.begin(), terms_.end(), prefix);
         it != terms_.end() && it->starts_with(prefix); ++it) {
      completions.push_back(static_cast<std::uint32_t>(it - terms_.begin()));
    }
    std::sort(completions.begin(), completions.end(), [&](std::uint32_t a, std::uint32_t b) {
      return df(a) != df(b) ? df(a) > df(b) : a < b;
    });
    if (completions.size() > kMaxCompletions) completions.resize(kMaxCompletions);
    for (auto t : completions) {
      auto it =
          std::find_if(out.begin(), out.end(), [&](const Expansion& e) { return e.term == t; });
      if (it == out.end()) {
        out.push_back({t, weight});
      } else {
        it->weight = std::max(it->weight, weight);
      }
    }
  };
  if (last && o.prefix_weight > 0 && word.size() >= o.min_prefix) complete(word, o.prefix_weight);
  // Inflection: Ukrainian and Russian change a word's ending with its case and number
  // ("Карпати", "Карпатах"; "астронавти", "астронавтів"), English adds "-s", "-ed". Without a
  // stemmer per language, a long word also matches the words that share all but its last two
  // letters.
  if (o.stem_weight > 0 && word.size() >= kMinStemmed) {
    complete(std::string_view(word).substr(0, word.size() - 2), o.stem_weight);
  }
  return out;
}

std::vector<LexicalIndex::Scored> LexicalIndex::rank(std::string_view query, std::size_t limit,
                                                     const Options& o) const {
  auto words = fold_words(query);
  // A word twice is one word (a title that repeats one is still matched once per word).
  {
    std::vector<std::string> unique;
    for (auto& w : words) {
      if (std::find(unique.begin(), unique.end(), w) == unique.end()) unique.push_back(w);
    }
    words = std::move(unique);
  }
  std::vector<Scored> out;
  if (words.empty() || size() == 0) return out;
  std::vector<std::vector<Expansion>> expansions;
  for (std::size_t i = 0; i < words.size(); ++i)
    expansions.push_back(expand(words[i], i + 1 == words.size(), o));

  const std::size_t n = size();
  std::vector<double> total(n, 0.0);
  std::vector<double> best(n, 0.0);
  std::vector<std::uint8_t> matched(n, 0);
  std::vector<std::uint32_t> touched;
  std::vector<std::uint32_t> candidates;
  for (const auto& word : expansions) {
    touched.clear();
    for (const auto& e : word) {
      const double weight = idf(e.term) * e.weight;
      for (auto p = postings_start_[e.term]; p < postings_start_[e.term + 1]; ++p) {
        const auto& posting = postings_[p];
        double s = 0;
        for (std::size_t f = 0; f < kFields; ++f) {
          if (posting.tf[f] == 0 || o.field_weights[f] == 0) continue;
          const double tf = posting.tf[f];
          const double norm = kK1 * (1 - kB + kB * lengths_[posting.doc][f] / average_length_[f]);
          s += o.field_weights[f] * tf * (kK1 + 1) / (tf + norm);
        }
        if (s <= 0) continue;
        s *= weight;
        // One query word counts once per document: its best expansion.
        if (best[posting.doc] == 0) touched.push_back(posting.doc);
        best[posting.doc] = std::max(best[posting.doc], s);
      }
    }
    for (auto d : touched) {
      if (matched[d] == 0) candidates.push_back(d);
      total[d] += best[d];
      best[d] = 0;
      if (matched[d] < UINT8_MAX) ++matched[d];
    }
  }
  for (auto d : candidates) {
    if (!o.require_all || matched[d] == std::min<std::size_t>(words.size(), UINT8_MAX)) {
      out.push_back({d, total[d]});
    }
  }
  auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.doc < b.doc;
  };
  auto take = [&](std::size_t k) {
    if (k < out.size()) {
      std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(),
                        better);
    } else {
      std::sort(out.begin(), out.end(), better);
    }
  };
  // Re-score the leaders by title coverage: the share of one title's words the query matched,
  // times the share of the query's words found in that title.
  const std::size_t rescored = std::min(out.size(), std::max(kRescored, limit));
  take(rescored);
  for (std::size_t i = 0; i < rescored; ++i) {
    const auto d = out[i].doc;
    double coverage = 0;
    for (auto t = title_start_[d]; t < title_start_[d + 1]; ++t) {
      const auto first = title_words_[t], end = title_words_[t + 1];
      std::size_t title_hits = 0;
      std::vector<bool> word_hit(words.size(), false);
      for (auto w = first; w < end; ++w) {
        bool hit = false;
        for (std::size_t q = 0; q < expansions.size(); ++q) {
          for (const auto& e : expansions[q]) {
            if (e.term == title_terms_[w]) {
              hit = true;
              word_hit[q] = true;
            }
          }
        }
        title_hits += hit ? 1 : 0;
      }
      const auto words_hit =
          static_cast<double>(std::count(word_hit.begin(), word_hit.end(), true));
      coverage = std::max(coverage, static_cast<double>(title_hits) / (end - first) * words_hit /
                                        static_cast<double>(words.size()));
    }
    out[i].score *= 1 + kTitleCoverageBonus * coverage;
  }
  std::sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(rescored), better);
  // Below the leaders (only left unsorted by partial_sort when every match is asked for).
  if (limit == 0) std::sort(out.begin() + static_cast<std::ptrdiff_t>(rescored), out.end(), better);
  if (limit != 0 && out.size() > limit) out.resize(limit);
  return out;
}

std::vector<LexicalIndex::Scored> LexicalIndex::search(std::string_view query,
                                                       std::size_t limit) const {
  return rank(query, limit, {kSearchWeights, false, kPrefixWeight, 3, kStemWeight});
}

std::vector<LexicalIndex::Scored> LexicalIndex::suggest(std::string_view prefix,
                                                        std::size_t limit) const {
  return rank(prefix, limit, {{1.0, 0.0, 0.0}, true, 1.0, 1, 0.0});
}

std::size_t LexicalIndex::memory_bytes() const {
  std::size_t bytes = terms_.capacity() * sizeof(std::string);
  for (const auto& t : terms_)
    bytes += t.capacity() > 15 ? t.capacity() + 1 : 0;  // beyond the small-string buffer
  bytes += postings_start_.capacity() * sizeof(std::uint32_t);
  bytes += postings_.capacity() * sizeof(Posting);
  bytes += grams_.capacity() * sizeof(grams_[0]);
  bytes += lengths_.capacity() * sizeof(lengths_[0]);
  bytes += (title_start_.capacity() + title_words_.capacity() + title_terms_.capacity()) *
           sizeof(std::uint32_t);
  return bytes;
}

}  // namespace cinestream::search
