// The strategies' answers, and the hybrid that chooses or blends them by how much the user rated.
#include <algorithm>
#include <array>
#include <cmath>

#include "internal.hpp"

namespace cinestream::recommend {
namespace {

// A film the component has no evidence for sits one standard deviation below the mean.
constexpr double kNoEvidence = -1;

std::vector<double> standardised(const Scores& s, const std::vector<std::uint8_t>& allowed) {
  double sum = 0, squares = 0, n = 0;
  for (std::size_t f = 0; f < s.value.size(); ++f) {
    if (!allowed[f] || !s.scored[f]) continue;
    sum += s.value[f];
    squares += s.value[f] * s.value[f];
    n += 1;
  }
  std::vector<double> out(s.value.size(), 0.0);
  if (n == 0) return out;  // no evidence at all: the component does not count
  const double mean = sum / n;
  const double sd = std::sqrt(std::max(squares / n - mean * mean, 0.0));
  for (std::size_t f = 0; f < s.value.size(); ++f) {
    if (!allowed[f]) continue;
    if (!s.scored[f]) {
      out[f] = kNoEvidence;
    } else {
      out[f] = sd > 1e-12 ? (s.value[f] - mean) / sd : 0.0;
    }
  }
  return out;
}

Reason popular_reason(const Query& q) {
  return {q.city.empty() ? ReasonKind::popular : ReasonKind::popular_in_city, 0};
}

Reason liked_reason(const Model::Impl& m, const Profile& p, Index film, bool item_first) {
  std::optional<Index> why =
      item_first ? item_cf_reason(m.items, p, film) : content_reason(m.content, p, film);
  if (!why)
    why = item_first ? content_reason(m.content, p, film) : item_cf_reason(m.items, p, film);
  if (!why) return {ReasonKind::liked_by_similar_viewers, 0};
  return {ReasonKind::because_you_liked, m.matrix.film_ids[*why]};
}

std::vector<Ranked> hybrid(const Model::Impl& m, const Profile& p, const Query& q,
                           const std::vector<std::uint8_t>& allowed) {
  const std::size_t films = m.matrix.films();
  const bool many = p.ratings.size() >= m.options.cf_min_ratings;
  const ModelOptions::HybridWeights w = many ? m.options.many_ratings : m.options.few_ratings;

  Scores user(films), item(films), content(films), pop(films);
  if (many && w.user_cf != 0) {
    auto nb = user_neighbours(m.matrix, p, m.options);
    user_cf_topn(m.matrix, nb, user);
  }
  item_cf_topn(m.items, p, item);
  content_scores(m.content, p, content);
  m.popularity.scores(q.city, m.options, pop);
  const std::array<std::vector<double>, 4> parts{
      standardised(user, allowed), standardised(item, allowed), standardised(content, allowed),
      standardised(pop, allowed)};
  const std::array<double, 4> weight{w.user_cf, w.item_cf, w.content, w.popularity};

  // Every allowed film gets a score (popularity covers all), so the answer is full whenever
  // there are enough candidates; the component that gave a film most of its score is its reason.
  Scores blended(films);
  std::vector<std::uint8_t> source(films, 3);
  for (Index f = 0; f < films; ++f) {
    if (!allowed[f]) continue;
    double total = 0, best = -1e300;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      if (weight[k] == 0) continue;
      const double c = weight[k] * parts[k][f];
      total += c;
      if (c > best) {
        best = c;
        source[f] = static_cast<std::uint8_t>(k);
      }
    }
    blended.set(f, total);
  }
  auto out = top(m.matrix, blended, allowed, q.limit);
  for (Ranked& r : out) {
    switch (source[r.film]) {
      case 0:
        r.reason = {ReasonKind::liked_by_similar_viewers, 0};
        break;
      case 1:
        r.reason = liked_reason(m, p, r.film, true);
        break;
      case 2:
        r.reason = liked_reason(m, p, r.film, false);
        break;
      default:
        r.reason = popular_reason(q);
    }
  }
  return out;
}

}  // namespace

std::vector<Ranked> top(const RatingMatrix& m, const Scores& s,
                        const std::vector<std::uint8_t>& allowed, std::size_t limit) {
  std::vector<Ranked> all;
  for (Index f = 0; f < s.value.size(); ++f) {
    if (allowed[f] && s.scored[f]) all.push_back({f, s.value[f], {}});
  }
  const std::size_t k = std::min(limit, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                    [&m](const Ranked& a, const Ranked& b) {
                      if (a.score != b.score) return a.score > b.score;
                      return m.film_ids[a.film] < m.film_ids[b.film];
                    });
  all.resize(k);
  return all;
}

std::vector<Ranked> rank(const Model::Impl& m, const Profile& p, const Query& q, Strategy s,
                         const std::vector<std::uint8_t>& allowed) {
  const std::size_t films = m.matrix.films();
  // Nothing known about the user's taste: what is popular (never an error, never empty).
  if (p.ratings.empty() || s == Strategy::popularity) {
    Scores pop(films);
    m.popularity.scores(q.city, m.options, pop);
    auto out = top(m.matrix, pop, allowed, q.limit);
    for (Ranked& r : out)
      r.reason = popular_reason(q);
    return out;
  }
  Scores scores(films);
  switch (s) {
    case Strategy::user_cf: {
      auto nb = user_neighbours(m.matrix, p, m.options);
      user_cf_topn(m.matrix, nb, scores);
      auto out = top(m.matrix, scores, allowed, q.limit);
      for (Ranked& r : out)
        r.reason = {ReasonKind::liked_by_similar_viewers, 0};
      return out;
    }
    case Strategy::item_cf:
    case Strategy::content: {
      const bool item = s == Strategy::item_cf;
      if (item) {
        item_cf_topn(m.items, p, scores);
      } else {
        content_scores(m.content, p, scores);
      }
      auto out = top(m.matrix, scores, allowed, q.limit);
      for (Ranked& r : out)
        r.reason = liked_reason(m, p, r.film, item);
      return out;
    }
    default:
      return hybrid(m, p, q, allowed);
  }
}

}  // namespace cinestream::recommend
