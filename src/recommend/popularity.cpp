// Popularity: each film's Bayesian-average rating (prior votes at the global mean), plus its
// recent activity, decayed exponentially, overall and per city.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace cinestream::recommend {

void Popularity::build(const RatingMatrix& m, const std::vector<Activity>& input,
                       std::int64_t now_unix, const ModelOptions& o) {
  const std::size_t films = m.films();
  bayes.assign(films, 0.0F);
  for (Index f = 0; f < films; ++f) {
    const double n = m.film_offsets[f + 1] - m.film_offsets[f];
    const double prior = std::max(o.prior_votes, 0.0);
    bayes[f] = static_cast<float>(
        n + prior > 0 ? (prior * m.global_mean + m.film_sum[f]) / (prior + n) : m.global_mean);
  }
  count.assign(films, 0.0F);
  for (Index f = 0; f < films; ++f)
    count[f] = static_cast<float>(m.film_offsets[f + 1] - m.film_offsets[f]);
  activity.assign(films, 0.0F);
  by_city.clear();
  const double half_life = std::max(o.activity_half_life_days, 1e-3) * 86400.0;
  for (const Activity& a : input) {
    if (!std::isfinite(a.weight) || a.weight <= 0) continue;
    // An event from the future (clock skew) counts as now, not more.
    const double age = std::max<double>(0, static_cast<double>(now_unix - a.at_unix));
    const auto w = static_cast<float>(a.weight * std::exp2(-age / half_life));
    const Index f = *m.find_film(a.film);
    activity[f] += w;
    if (!a.city.empty()) {
      auto it = by_city.find(a.city);
      if (it == by_city.end()) it = by_city.emplace(a.city, std::vector<float>(films, 0.0F)).first;
      it->second[f] += w;
    }
  }
}

void Popularity::scores(std::string_view city, const ModelOptions& o, Scores& out) const {
  const std::vector<float>* act = &activity;
  if (!city.empty()) {
    auto it = by_city.find(city);
    // A city with no activity yet: the ratings alone (another city's crowd is not this one's).
    act = it == by_city.end() ? nullptr : &it->second;
  }
  for (Index f = 0; f < bayes.size(); ++f) {
    const double a = act ? (*act)[f] : 0.0;
    out.set(f,
            bayes[f] + o.activity_weight * std::log1p(a) + o.count_weight * std::log1p(count[f]));
  }
}

std::size_t Popularity::memory_bytes() const {
  std::size_t bytes = (bayes.capacity() + activity.capacity()) * sizeof(float);
  for (const auto& [city, v] : by_city) {
    bytes += sizeof(city) + city.capacity() + sizeof(v) + 2 * sizeof(void*) +
             v.capacity() * sizeof(float);
  }
  return bytes + by_city.bucket_count() * sizeof(void*);
}

}  // namespace cinestream::recommend
