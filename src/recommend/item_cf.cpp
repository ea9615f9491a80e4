// Item-based collaborative filtering: adjusted cosine (each rating minus its rater's mean), the
// most similar films per film computed once when the model is built.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace cinestream::recommend {

std::optional<double> adjusted_cosine(const RatingMatrix& m, Index a, Index b) {
  auto ca = m.film_column(a), cb = m.film_column(b);
  double dot = 0, na = 0, nb = 0;
  bool common = false;
  for_common(ca, cb, [&](Index user, float va, float vb) {
    const double mean = m.user_mean[user];
    const double x = va - mean, y = vb - mean;
    dot += x * y;
    na += x * x;
    nb += y * y;
    common = true;
  });
  if (!common) return std::nullopt;
  if (na <= 1e-12 || nb <= 1e-12) return 0.0;
  return dot / std::sqrt(na * nb);
}

void ItemNeighbours::build(const RatingMatrix& m, const ModelOptions& o) {
  const std::size_t films = m.films();
  struct Acc {
    double dot = 0, na = 0, nb = 0;
    std::uint32_t n = 0;
  };
  std::vector<Acc> acc(films);
  std::vector<Index> touched;
  std::vector<Entry> best;
  offsets.assign(films + 1, 0);
  list.clear();
  const std::size_t cap = std::max<std::size_t>(o.max_raters_scanned, 1);
  for (Index a = 0; a < films; ++a) {
    auto column = m.film_column(a);
    const std::size_t step = column.size() > cap ? (column.size() + cap - 1) / cap : 1;
    for (std::size_t i = 0; i < column.size(); i += step) {
      const Index u = column[i].index;
      const double mean = m.user_mean[u];
      const double x = column[i].value - mean;
      for (const Entry& e : m.user_row(u)) {
        if (e.index == a) continue;
        Acc& s = acc[e.index];
        if (s.n == 0) touched.push_back(e.index);
        const double y = e.value - mean;
        s.dot += x * y;
        s.na += x * x;
        s.nb += y * y;
        ++s.n;
      }
    }
    best.clear();
    for (Index b : touched) {
      Acc& s = acc[b];
      if (s.n >= 2 && s.na > 1e-12 && s.nb > 1e-12 && s.dot > 0) {
        const double sim = s.dot / std::sqrt(s.na * s.nb) * s.n / (s.n + o.item_shrinkage);
        best.push_back({b, static_cast<float>(sim)});
      }
      s = Acc{};
    }
    touched.clear();
    // Only positive similarities are kept: a film unlike one the user liked is no evidence
    // for anything.
    const std::size_t k = std::min(o.item_neighbours, best.size());
    std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(k), best.end(),
                      [](const Entry& x, const Entry& y) {
                        return x.value != y.value ? x.value > y.value : x.index < y.index;
                      });
    best.resize(k);
    std::sort(best.begin(), best.end(),
              [](const Entry& x, const Entry& y) { return x.index < y.index; });
    list.insert(list.end(), best.begin(), best.end());
    offsets[a + 1] = static_cast<std::uint32_t>(list.size());
  }
  list.shrink_to_fit();
}

std::optional<float> ItemNeighbours::similarity(Index a, Index b) const {
  auto l = of(a);
  auto it =
      std::lower_bound(l.begin(), l.end(), b, [](const Entry& e, Index x) { return e.index < x; });
  if (it == l.end() || it->index != b) return std::nullopt;
  return it->value;
}

std::size_t ItemNeighbours::memory_bytes() const {
  return offsets.capacity() * sizeof(std::uint32_t) + list.capacity() * sizeof(Entry);
}

void item_cf_topn(const ItemNeighbours& items, const Profile& p, Scores& out) {
  // As user CF's votes: every rated film votes for its neighbours by similarity x (deviation
  // from the user's mean + 1 star, never below 0).
  constexpr double off = 1.0;
  for (const Entry& r : p.ratings) {
    const double d = std::max(0.0, r.value - p.damped_mean + off);
    for (const Entry& n : items.of(r.index))
      out.set(n.index, out.value[n.index] + n.value * d);
  }
}

std::optional<Index> item_cf_reason(const ItemNeighbours& items, const Profile& p, Index film) {
  std::optional<Index> best;
  double best_value = 0;
  for (const Entry& r : p.ratings) {
    const double d = r.value - p.damped_mean;
    if (d <= 0) continue;
    auto s = items.similarity(r.index, film);
    if (s && *s * d > best_value) {
      best_value = *s * d;
      best = r.index;
    }
  }
  return best;
}

}  // namespace cinestream::recommend
