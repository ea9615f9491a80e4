// Content-based: cosine similarity of a film's vector to the films the user rated, each weighted
// by how far the rating is from the user's mean; the reason is the closest liked film.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace cinestream::recommend {

void ContentIndex::build(const RatingMatrix& m, std::vector<FilmVector>& input) {
  dim = 0;
  for (const FilmVector& v : input) {
    if (!v.v.empty()) {
      dim = v.v.size();
      break;
    }
  }
  vectors.assign(m.films() * dim, 0.0F);
  has.assign(m.films(), 0);
  if (dim == 0) return;
  for (FilmVector& v : input) {
    // A vector of another dimension (another embedder) cannot be compared: left out.
    if (v.v.size() != dim) continue;
    double norm = 0;
    for (float x : v.v)
      norm += static_cast<double>(x) * x;
    if (!(norm > 1e-12) || !std::isfinite(norm)) continue;
    const Index f = *m.find_film(v.film);
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (std::size_t i = 0; i < dim; ++i)
      vectors[f * dim + i] = v.v[i] * scale;
    has[f] = 1;
    std::vector<float>().swap(v.v);
  }
}

double ContentIndex::cosine(Index a, Index b) const {
  if (!has[a] || !has[b]) return 0;
  const float* x = vectors.data() + a * dim;
  const float* y = vectors.data() + b * dim;
  float dot = 0;
  for (std::size_t i = 0; i < dim; ++i)
    dot += x[i] * y[i];
  return dot;
}

std::size_t ContentIndex::memory_bytes() const {
  return vectors.capacity() * sizeof(float) + has.capacity();
}

void content_scores(const ContentIndex& c, const Profile& p, Scores& out) {
  if (c.dim == 0) return;
  // sum_i w_i cos(v, v_i) = cos-weighted sum = v . (sum_i w_i v_i): one profile vector, then one
  // dot product per film instead of one per film and rated film.
  std::vector<float> profile(c.dim, 0.0F);
  double total = 0;
  for (const Entry& r : p.ratings) {
    if (!c.has[r.index]) continue;
    const double w = r.value - p.damped_mean;
    const float* v = c.vectors.data() + r.index * c.dim;
    for (std::size_t i = 0; i < c.dim; ++i)
      profile[i] += static_cast<float>(w) * v[i];
    total += std::abs(w);
  }
  if (total <= 0) return;

  for (Index f = 0; f < c.has.size(); ++f) {
    if (!c.has[f]) continue;
    const float* v = c.vectors.data() + f * c.dim;
    float dot = 0;
    for (std::size_t i = 0; i < c.dim; ++i)
      dot += profile[i] * v[i];
    out.set(f, dot / total);
  }
}

std::optional<Index> content_reason(const ContentIndex& c, const Profile& p, Index film) {
  if (c.dim == 0 || !c.has[film]) return std::nullopt;
  std::optional<Index> best;
  double best_cos = -2;
  // Liked: above the user's (damped) mean; someone who liked nothing gets their best rated film.
  for (int pass = 0; pass < 2 && !best; ++pass) {
    double top_rating = 0;
    for (const Entry& r : p.ratings)
      top_rating = std::max<double>(top_rating, r.value);
    for (const Entry& r : p.ratings) {
      const bool liked = pass == 0 ? r.value > p.damped_mean : r.value >= top_rating;
      if (!liked || !c.has[r.index]) continue;
      const double cos = c.cosine(r.index, film);
      if (cos > best_cos) {
        best_cos = cos;
        best = r.index;
      }
    }
  }
  return best;
}

}  // namespace cinestream::recommend
