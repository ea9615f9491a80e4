// The random baseline: what a recommender must beat to be worth anything (bench/recommend).
#include <random>

#include "internal.hpp"

namespace cinestream::recommend {

std::vector<Ranked> random_ranking(std::string_view user, std::uint64_t seed,
                                   const std::vector<std::uint8_t>& allowed, std::size_t limit) {
  // FNV-1a of the user's name: std::hash may differ between library versions.
  std::uint64_t h = 1469598103934665603ULL ^ seed;
  for (char c : user)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::mt19937_64 rng(h);
  std::vector<Index> films;
  for (Index f = 0; f < allowed.size(); ++f) {
    if (allowed[f]) films.push_back(f);
  }
  std::vector<Ranked> out;
  // A partial Fisher-Yates shuffle with our own draws (std::shuffle is not portable).
  for (std::size_t i = 0; i < films.size() && out.size() < limit; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng() % (films.size() - i));
    std::swap(films[i], films[j]);
    out.push_back({films[i], static_cast<double>(limit - out.size()), {ReasonKind::popular, 0}});
  }
  return out;
}

}  // namespace cinestream::recommend
