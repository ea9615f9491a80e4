#include "cinestream/search/embedder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "cinestream/search/search_text.hpp"

namespace cinestream::search {
namespace {

// Function words of the three languages: they carry no meaning and would make every overview
// look alike. Compared after folding, so written here as people write them.
constexpr std::string_view kStopWords =
    "a an and are as at be by but for from has have he her his in into is it its of on or that "
    "the their them they this to was were which who with when while after over how "
    "і й та в у на з за до від не ні є це як що який коли про по для при його її він вона вони "
    "їх и от как что когда для с со из к это он она они их его ее";

bool stop_word(std::string_view w) {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> out;
    for (auto& folded : fold_words(kStopWords))
      out.insert(std::move(folded));
    return out;
  }();
  return words.contains(std::string(w));
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // FNV's low bits mix poorly for short keys: one round of a 64-bit finaliser (splitmix64).
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// Weights per kind of feature, chosen a priori: a whole word counts most; its trigrams together
// weigh about as much as it (a word of n letters has n trigrams with its boundary marks), so a
// misspelt or inflected word still scores most of a match; a bigram (word order, names of two
// words) adds to a unigram match.
constexpr float kWordWeight = 1.0F;
constexpr float kBigramWeight = 0.5F;
constexpr float kTrigramWeight = 0.3F;

enum class Kind : std::uint64_t { word = 1, bigram = 2, trigram = 3 };

}  // namespace

OfflineEmbedder::OfflineEmbedder(std::size_t dimensions) : dimensions_(dimensions) {
  if (dimensions == 0) throw std::invalid_argument("an embedding needs at least one dimension");
}

std::vector<float> OfflineEmbedder::embed_one(std::string_view text) const {
  std::vector<std::string> words;
  for (auto& w : fold_words(text)) {
    if (!stop_word(w)) words.push_back(std::move(w));
  }
  struct Feature {
    Kind kind;
    float weight;
    std::uint32_t count;
  };
  std::unordered_map<std::string, Feature> features;
  auto add = [&](std::string key, Kind kind, float weight) {
    auto [it, fresh] = features.try_emplace(std::move(key), Feature{kind, weight, 0});
    ++it->second.count;
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    add(words[i], Kind::word, kWordWeight);
    if (i + 1 < words.size()) add(words[i] + ' ' + words[i + 1], Kind::bigram, kBigramWeight);
    const std::string padded = '^' + words[i] + '$';
    for (std::size_t k = 0; k + 3 <= padded.size(); ++k)
      add(padded.substr(k, 3), Kind::trigram, kTrigramWeight);
  }
  std::vector<float> v(dimensions_, 0.0F);
  for (const auto& [key, f] : features) {
    const auto h = fnv1a(key, static_cast<std::uint64_t>(f.kind));
    const float sign = (h >> 63) != 0 ? -1.0F : 1.0F;
    // Sublinear tf: a word said five times is not five times as much about it.
    v[h % dimensions_] += sign * f.weight * (1.0F + std::log(static_cast<float>(f.count)));
  }
  double norm = 0;
  for (float x : v)
    norm += static_cast<double>(x) * x;
  if (norm > 0) {
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& x : v)
      x *= inv;
  }
  return v;
}

std::vector<std::vector<float>> OfflineEmbedder::embed(std::span<const std::string> texts) const {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (const auto& t : texts)
    out.push_back(embed_one(t));
  return out;
}

}  // namespace cinestream::search
