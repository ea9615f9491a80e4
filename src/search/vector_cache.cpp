#include "cinestream/search/vector_cache.hpp"

#include <unordered_set>

namespace cinestream::search {

std::vector<std::vector<float>> VectorCache::embed(std::span<const std::string> texts) const {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (const auto& t : texts) {
    auto it = vectors_.find(t);
    out.push_back(it == vectors_.end() ? std::vector<float>(dimensions_, 0.0F) : *it->second);
  }
  return out;
}

std::vector<std::string> VectorCache::missing(std::span<const std::string> texts) const {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& t : texts)
    if (!vectors_.contains(t) && seen.insert(t).second) out.push_back(t);
  return out;
}

void VectorCache::put(const std::string& text, std::vector<float> vector) {
  if (vector.size() != dimensions_) return;
  vectors_[text] = std::make_shared<const std::vector<float>>(std::move(vector));
}

void VectorCache::retain(std::span<const std::string> texts) {
  std::unordered_set<std::string_view> keep(texts.begin(), texts.end());
  std::erase_if(vectors_, [&keep](const auto& entry) { return !keep.contains(entry.first); });
}

}  // namespace cinestream::search
