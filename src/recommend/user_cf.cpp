// User-based collaborative filtering: Pearson correlation over common films, the top-k
// neighbours above the threshold, mean-centred prediction.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace cinestream::recommend {

std::optional<double> PearsonSums::correlation(std::size_t min_common) const {
  if (n < min_common || n == 0) return std::nullopt;
  const double dn = n;
  const double cov = dn * ab - a * b;
  const double va = dn * aa - a * a;
  const double vb = dn * bb - b * b;
  // Someone who gives every common film the same rating correlates with no one: 0, not NaN.
  if (va <= 1e-12 || vb <= 1e-12) return 0.0;
  return std::clamp(cov / std::sqrt(va * vb), -1.0, 1.0);
}

std::vector<Neighbour> user_neighbours(const RatingMatrix& m, const Profile& p,
                                       const ModelOptions& o) {
  // Sums per other user over the films they share with the profile; the raters scanned per film
  // are capped, so a blockbuster does not cost a scan of everyone (the work per query is bounded
  // by ratings x max_raters_scanned).
  std::vector<PearsonSums> sums(m.users());
  std::vector<Index> touched;
  const std::size_t cap = std::max<std::size_t>(o.max_raters_scanned, 1);
  for (const Entry& mine : p.ratings) {
    auto column = m.film_column(mine.index);
    // Evenly spaced raters when there are too many: a deterministic sample across the column.
    const std::size_t step = column.size() > cap ? (column.size() + cap - 1) / cap : 1;
    for (std::size_t i = 0; i < column.size(); i += step) {
      const Entry& other = column[i];
      if (p.user && other.index == *p.user) continue;
      PearsonSums& s = sums[other.index];
      if (s.n == 0) touched.push_back(other.index);
      s.add(mine.value, other.value);
    }
  }
  std::vector<Neighbour> out;
  for (Index v : touched) {
    auto c = sums[v].correlation(o.min_common);
    if (c && *c > o.min_correlation) out.push_back({v, *c});
  }
  const std::size_t k = std::min(o.neighbours, out.size());
  auto better = [](const Neighbour& a, const Neighbour& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.user < b.user;
  };
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), better);
  out.resize(k);
  return out;
}

void user_cf_scores(const RatingMatrix& m, const Profile& p, std::span<const Neighbour> nb,
                    double damping, Scores& out) {
  std::vector<double> num(m.films(), 0.0), den(m.films(), 0.0);
  for (const Neighbour& n : nb) {
    const double mean = m.user_mean[n.user];
    for (const Entry& e : m.user_row(n.user)) {
      num[e.index] += n.weight * (e.value - mean);
      den[e.index] += std::abs(n.weight);
    }
  }
  for (Index f = 0; f < m.films(); ++f) {
    if (den[f] > 0) out.set(f, p.mean + num[f] / (den[f] + damping));
  }
}

void user_cf_topn(const RatingMatrix& m, std::span<const Neighbour> nb, Scores& out) {
  // A neighbour's vote: their rating's deviation from their mean plus one star, never below 0
  // (having chosen to see a film counts; disliking it does not count against it). Ranking by
  // the prediction alone favours films one neighbour loved over films many neighbours liked.
  constexpr double off = 1.0;
  std::vector<double> num(m.films(), 0.0);
  std::vector<std::uint8_t> any(m.films(), 0);
  for (const Neighbour& n : nb) {
    const double mean = m.user_mean[n.user];
    for (const Entry& e : m.user_row(n.user)) {
      num[e.index] += n.weight * std::max(0.0, e.value - mean + off);
      any[e.index] = 1;
    }
  }
  for (Index f = 0; f < m.films(); ++f) {
    if (any[f]) out.set(f, num[f]);
  }
}

}  // namespace cinestream::recommend
