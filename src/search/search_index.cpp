#include "cinestream/search/search_index.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include "cinestream/search/fusion.hpp"

namespace cinestream::search {
namespace {

// Embedding calls carry this many texts (a remote embedder's batch limit is about this).
constexpr std::size_t kEmbedBatch = 100;

}  // namespace

std::vector<std::string> embedding_texts(const Document& d) {
  std::vector<std::string> out;
  std::string titles;
  for (const auto& t : d.titles) {
    if (!titles.empty()) titles.push_back('\n');
    titles += t;
  }
  if (!titles.empty()) out.push_back(std::move(titles));
  std::string genres;
  for (const auto& g : d.genres) {
    genres += ", ";
    genres += g;
  }
  for (const auto& o : d.overviews) {
    if (!o.empty()) out.push_back(o + genres);
  }
  return out;
}

SearchIndex::SearchIndex(std::vector<std::int64_t> films, LexicalIndex lexical, VectorIndex vectors,
                         std::vector<std::uint32_t> row_documents, const Embedder& embedder)
    : films_(std::move(films)),
      lexical_(std::move(lexical)),
      vectors_(std::move(vectors)),
      row_documents_(std::move(row_documents)),
      embedder_(&embedder) {}

std::shared_ptr<const SearchIndex> SearchIndex::build(std::vector<Document> docs,
                                                      const Embedder& embedder) {
  std::vector<std::int64_t> films;
  std::vector<LexicalIndex::Fields> fields;
  std::vector<std::string> texts;
  std::vector<std::uint32_t> row_documents;
  films.reserve(docs.size());
  fields.reserve(docs.size());
  for (auto& d : docs) {
    for (auto& t : embedding_texts(d)) {
      texts.push_back(std::move(t));
      row_documents.push_back(static_cast<std::uint32_t>(films.size()));
    }
    films.push_back(d.film);
    LexicalIndex::Fields f{std::move(d.titles), std::move(d.genres), std::move(d.overviews)};
    if (d.year > 0) f.genres.push_back(std::to_string(d.year));
    fields.push_back(std::move(f));
  }
  VectorIndex vectors(embedder.dimensions());
  vectors.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); i += kEmbedBatch) {
    const auto n = std::min(kEmbedBatch, texts.size() - i);
    auto batch = embedder.embed(std::span<const std::string>(texts).subspan(i, n));
    if (batch.size() != n) throw std::invalid_argument("the embedder skipped texts");
    for (const auto& v : batch)
      vectors.add(v);
  }
  return std::make_shared<const SearchIndex>(std::move(films), LexicalIndex(fields),
                                             std::move(vectors), std::move(row_documents),
                                             embedder);
}

std::vector<SearchIndex::Hit> SearchIndex::search(std::string_view query, std::size_t limit,
                                                  Mode mode,
                                                  std::span<const std::int64_t> boost_first) const {
  std::vector<float> vector;
  if (mode != Mode::lexical && !validate_query(query)) {
    const std::string text(query);
    auto v = embedder_->embed(std::span<const std::string>(&text, 1));
    if (!v.empty()) vector = std::move(v.front());
  }
  return search(query, vector, limit, mode, boost_first);
}

std::vector<SearchIndex::Hit> SearchIndex::search(std::string_view query,
                                                  std::span<const float> query_vector,
                                                  std::size_t limit, Mode mode,
                                                  std::span<const std::int64_t> boost_first) const {
  std::vector<Hit> out;
  if (limit == 0 || validate_query(query)) return out;
  // With films to put first, every match is a candidate: a film playing nearby that ranks
  // 150th still comes before the others.
  const std::size_t depth = boost_first.empty() ? std::max(limit, kFusionDepth) : 0;
  std::vector<Hit> lexical, vector;
  if (mode != Mode::vector) {
    for (const auto& s : lexical_.search(query, depth))
      lexical.push_back({films_[s.doc], s.score});
  }
  if (mode != Mode::lexical && query_vector.size() == vectors_.dimensions()) {
    // Each film's closest text.
    std::vector<float> rows(vectors_.size());
    vectors_.score_all(query_vector, rows);
    std::vector<float> best(films_.size(), kMinCosine - 1);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      auto& b = best[row_documents_[r]];
      b = std::max(b, rows[r]);
    }
    std::vector<std::uint32_t> docs;
    for (std::uint32_t d = 0; d < best.size(); ++d) {
      if (best[d] >= kMinCosine) docs.push_back(d);
    }
    auto closer = [&](std::uint32_t a, std::uint32_t b) {
      return best[a] != best[b] ? best[a] > best[b] : a < b;
    };
    if (depth != 0 && docs.size() > depth) {
      std::nth_element(docs.begin(), docs.begin() + static_cast<std::ptrdiff_t>(depth), docs.end(),
                       closer);
      docs.resize(depth);
    }
    std::sort(docs.begin(), docs.end(), closer);
    for (auto d : docs)
      vector.push_back({films_[d], best[d]});
  }
  switch (mode) {
    case Mode::lexical:
      out = std::move(lexical);
      break;
    case Mode::vector:
      out = std::move(vector);
      break;
    case Mode::fused: {
      std::vector<std::vector<std::int64_t>> rankings(2);
      for (const auto& h : lexical)
        rankings[0].push_back(h.film);
      for (const auto& h : vector)
        rankings[1].push_back(h.film);
      for (const auto& f : reciprocal_rank_fusion(rankings))
        out.push_back({f.id, f.score});
      break;
    }
  }
  if (!boost_first.empty()) {
    const std::unordered_set<std::int64_t> first(boost_first.begin(), boost_first.end());
    std::stable_partition(out.begin(), out.end(),
                          [&](const Hit& h) { return first.contains(h.film); });
  }
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<SearchIndex::Hit> SearchIndex::suggest(std::string_view prefix,
                                                   std::size_t limit) const {
  std::vector<Hit> out;
  if (limit == 0 || validate_query(prefix)) return out;
  for (const auto& s : lexical_.suggest(prefix, limit))
    out.push_back({films_[s.doc], s.score});
  return out;
}

std::size_t SearchIndex::memory_bytes() const {
  return sizeof(*this) + films_.capacity() * sizeof(std::int64_t) + lexical_.memory_bytes() +
         vectors_.memory_bytes() + row_documents_.capacity() * sizeof(std::uint32_t);
}

}  // namespace cinestream::search
