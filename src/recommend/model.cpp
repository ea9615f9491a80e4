// The snapshot: building it from the input, and the queries (which films are allowed, whose
// ratings count) over its parts.
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "internal.hpp"

namespace cinestream::recommend {

std::string_view to_string(Strategy s) {
  switch (s) {
    case Strategy::user_cf:
      return "user_cf";
    case Strategy::item_cf:
      return "item_cf";
    case Strategy::content:
      return "content";
    case Strategy::popularity:
      return "popularity";
    case Strategy::random:
      return "random";
    case Strategy::hybrid:
      return "hybrid";
  }
  return "hybrid";
}

std::string_view to_string(ReasonKind k) {
  switch (k) {
    case ReasonKind::because_you_liked:
      return "because_you_liked";
    case ReasonKind::liked_by_similar_viewers:
      return "liked_by_similar_viewers";
    case ReasonKind::popular_in_city:
      return "popular_in_city";
    case ReasonKind::popular:
      return "popular";
  }
  return "popular";
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::build(ModelInput input, const ModelOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->matrix.build(input);
  std::vector<Rating>().swap(input.ratings);
  impl->items.build(impl->matrix, options);
  impl->content.build(impl->matrix, input.vectors);
  impl->popularity.build(impl->matrix, input.activity, input.now_unix, options);
  return std::make_shared<const Model>(std::move(impl));
}

Profile Model::Impl::profile(const Query& q) const {
  Profile p;
  if (q.user.empty()) return p;  // anonymous: popularity only
  p.user = matrix.find_user(q.user);
  if (q.own != nullptr) {
    for (const OwnRating& r : *q.own) {
      auto f = matrix.find_film(r.film);
      // A film the model does not know cannot inform it (it is still excluded, see allowed()).
      if (f && std::isfinite(r.value) && r.value >= 0.5F && r.value <= 5.0F) {
        p.ratings.push_back({*f, r.value});
      }
    }
    // The last of repeated ratings of one film counts.
    std::reverse(p.ratings.begin(), p.ratings.end());
    std::stable_sort(p.ratings.begin(), p.ratings.end(),
                     [](const Entry& a, const Entry& b) { return a.index < b.index; });
    p.ratings.erase(std::unique(p.ratings.begin(), p.ratings.end(),
                                [](const Entry& a, const Entry& b) { return a.index == b.index; }),
                    p.ratings.end());
  } else if (p.user) {
    auto row = matrix.user_row(*p.user);
    p.ratings.assign(row.begin(), row.end());
  }
  double sum = 0;
  for (const Entry& r : p.ratings)
    sum += r.value;
  const auto n = static_cast<double>(p.ratings.size());
  p.mean = p.ratings.empty() ? matrix.global_mean : sum / n;
  p.damped_mean = (sum + 2 * matrix.global_mean) / (n + 2);
  return p;
}

namespace {

// The films a query may return: the candidates (all films when none are given), minus the films
// the user rated (now or when the model was built) and the ones they excluded.
std::vector<std::uint8_t> allowed_films(const RatingMatrix& m, const Query& q,
                                        std::optional<Index> user) {
  std::vector<std::uint8_t> allowed(m.films(), q.candidates.empty() ? 1 : 0);
  for (std::int64_t id : q.candidates) {
    if (auto f = m.find_film(id)) allowed[*f] = 1;
  }
  auto drop = [&](std::int64_t id) {
    if (auto f = m.find_film(id)) allowed[*f] = 0;
  };
  for (std::int64_t id : q.exclude)
    drop(id);
  if (q.own != nullptr) {
    for (const OwnRating& r : *q.own)
      drop(r.film);
  }
  if (user) {
    for (const Entry& e : m.user_row(*user))
      allowed[e.index] = 0;
  }
  return allowed;
}

}  // namespace

std::vector<Suggestion> Model::recommend(const Query& q, Strategy s) const {
  const Impl& m = *impl_;
  if (q.limit == 0) return {};
  Profile p = m.profile(q);
  const auto allowed = allowed_films(m.matrix, q, p.user);
  std::vector<Ranked> ranked = s == Strategy::random
                                   ? random_ranking(q.user, m.options.random_seed, allowed, q.limit)
                                   : rank(m, p, q, s, allowed);
  std::vector<Suggestion> out;
  out.reserve(std::min(q.limit, ranked.size() + q.candidates.size()));
  for (const Ranked& r : ranked)
    out.push_back({m.matrix.film_ids[r.film], r.score, r.reason});

  // Candidates the model knows nothing about (a new film, no rating, vector or activity yet)
  // come last, in the caller's order, so a short list of what plays is still filled.
  if (out.size() < q.limit && !q.candidates.empty() &&
      (s == Strategy::hybrid || s == Strategy::popularity || p.ratings.empty())) {
    std::unordered_set<std::int64_t> skip(q.exclude.begin(), q.exclude.end());
    if (q.own != nullptr) {
      for (const OwnRating& r : *q.own)
        skip.insert(r.film);
    }
    double score = out.empty() ? 0.0 : out.back().score;
    for (std::int64_t id : q.candidates) {
      if (out.size() >= q.limit) break;
      if (m.matrix.find_film(id) || !skip.insert(id).second) continue;
      score -= 1;
      out.push_back(
          {id, score, {q.city.empty() ? ReasonKind::popular : ReasonKind::popular_in_city, 0}});
    }
  }
  return out;
}

std::vector<Suggestion> Model::similar(std::int64_t film, std::span<const std::int64_t> candidates,
                                       std::size_t limit) const {
  const Impl& m = *impl_;
  auto f = m.matrix.find_film(film);
  if (!f || limit == 0) return {};
  std::vector<std::uint8_t> allowed(m.matrix.films(), candidates.empty() ? 1 : 0);
  for (std::int64_t id : candidates) {
    if (auto c = m.matrix.find_film(id)) allowed[*c] = 1;
  }
  allowed[*f] = 0;
  // Item CF's similarity (shrunk by common raters) plus the content cosine, each where known.
  Scores s(m.matrix.films());
  for (const Entry& n : m.items.of(*f))
    s.set(n.index, n.value);
  if (m.content.dim > 0 && m.content.has[*f]) {
    for (Index o = 0; o < m.matrix.films(); ++o) {
      if (m.content.has[o]) s.set(o, s.value[o] + m.content.cosine(*f, o));
    }
  }
  std::vector<Suggestion> out;
  for (const Ranked& r : top(m.matrix, s, allowed, limit)) {
    out.push_back({m.matrix.film_ids[r.film], r.score, {ReasonKind::because_you_liked, film}});
  }
  return out;
}

std::optional<double> Model::pearson(std::string_view a, std::string_view b) const {
  const RatingMatrix& m = impl_->matrix;
  auto ua = m.find_user(a), ub = m.find_user(b);
  if (!ua || !ub) return std::nullopt;
  auto ra = m.user_row(*ua), rb = m.user_row(*ub);
  PearsonSums sums;
  for_common(ra, rb, [&sums](Index, float x, float y) { sums.add(x, y); });
  return sums.correlation(std::max<std::size_t>(impl_->options.min_common, 1));
}

std::optional<double> Model::predict(std::string_view user, std::int64_t film) const {
  const Impl& m = *impl_;
  auto f = m.matrix.find_film(film);
  if (!f) return std::nullopt;
  Query q;
  q.user = user;
  Profile p = m.profile(q);
  if (!p.user) return std::nullopt;
  auto nb = user_neighbours(m.matrix, p, m.options);
  Scores s(m.matrix.films());
  user_cf_scores(m.matrix, p, nb, 0.0, s);
  if (!s.scored[*f]) return std::nullopt;
  return s.value[*f];
}

std::optional<double> Model::adjusted_cosine(std::int64_t a, std::int64_t b) const {
  auto fa = impl_->matrix.find_film(a), fb = impl_->matrix.find_film(b);
  if (!fa || !fb) return std::nullopt;
  return recommend::adjusted_cosine(impl_->matrix, *fa, *fb);
}

std::size_t Model::users() const {
  return impl_->matrix.users();
}
std::size_t Model::films() const {
  return impl_->matrix.films();
}
std::size_t Model::ratings() const {
  return impl_->matrix.by_user.size();
}

std::size_t Model::memory_bytes() const {
  const Impl& m = *impl_;
  return sizeof(Model) + sizeof(Impl) + m.matrix.memory_bytes() + m.items.memory_bytes() +
         m.content.memory_bytes() + m.popularity.memory_bytes();
}

}  // namespace cinestream::recommend
