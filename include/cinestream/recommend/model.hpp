#pragma once
// Recommendations (issue #19): an immutable model built from ratings, implicit activity and
// film content vectors; user CF, item CF, content, popularity and their hybrid. Pure CPU work:
// build it on the CPU pool, share the snapshot read-only.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::recommend {

// One explicit rating: 0.5..5.0 in half steps (library stores half stars 1..10; value = hs / 2).
struct Rating {
  std::string user;
  std::int64_t film = 0;
  float value = 0;
};

// A user's own rating, given at query time (overrides what the model was built with, so a new
// rating changes that user's next recommendations at once, without a rebuild).
struct OwnRating {
  std::int64_t film = 0;
  float value = 0;
};

// An implicit interaction (viewed details, opened showtimes, exported, ...) for popularity.
struct Activity {
  std::int64_t film = 0;
  std::string city;          // the city it counts for ("" : none known)
  std::int64_t at_unix = 0;  // seconds
  float weight = 1;
};

// A film's content embedding (unit length; any dimension, the same for all films).
struct FilmVector {
  std::int64_t film = 0;
  std::vector<float> v;
};

struct ModelInput {
  std::vector<Rating> ratings;
  std::vector<Activity> activity;
  std::vector<FilmVector> vectors;
  std::int64_t now_unix = 0;  // for the decay of activity
};

struct ModelOptions {
  // User-based CF: CineLibre's thresholds as defaults.
  std::size_t min_common = 2;    // common films for a Pearson correlation to count
  double min_correlation = 0.2;  // neighbours need a correlation above this
  std::size_t neighbours = 30;   // top-k neighbours used for a prediction
  // Item-based CF (adjusted cosine): neighbours kept per film.
  std::size_t item_neighbours = 50;
  // Popularity: Bayesian average with this many prior votes at the global mean; activity decays
  // with this half-life.
  double prior_votes = 10;
  double activity_half_life_days = 7;
  // Hybrid: how many ratings a user needs before CF dominates (fewer: content/item/popularity).
  std::size_t cf_min_ratings = 5;
  // The hybrid's blend: each component's scores are standardised over the allowed films, then
  // weighted. Chosen on bench/recommend's data (bench/RESULTS.md): there, CF and content
  // re-rank what is popular, and popularity alone beats either CF alone on top-10 lists.
  struct HybridWeights {
    double user_cf = 0, item_cf = 0, content = 0, popularity = 0;
  };
  HybridWeights few_ratings{0, 0, 0.2, 0.8};         // 1 .. cf_min_ratings - 1 ratings
  HybridWeights many_ratings{0.05, 0.05, 0.2, 0.7};  // cf_min_ratings or more

  // Bounds on the work (one query stays in the millisecond range on a large catalogue): raters
  // of one film looked at when searching a user's neighbours, and when building item neighbours.
  std::size_t max_raters_scanned = 300;
  // Item similarities computed from few common raters are shrunk: sim * n / (n + this).
  double item_shrinkage = 10;
  // Popularity: the weights of log(1 + decayed activity) and log(1 + ratings) beside the
  // Bayesian average (stars): how many see a film, beside how much they like it.
  double activity_weight = 0.5;
  double count_weight = 0.5;
  // Strategy::random's seed (with the user's name): a deterministic baseline.
  std::uint64_t random_seed = 19;
};

enum class Strategy { user_cf, item_cf, content, popularity, random, hybrid };
std::string_view to_string(Strategy s);

enum class ReasonKind {
  because_you_liked,         // film = the liked film it is closest to (content or item CF)
  liked_by_similar_viewers,  // user CF
  popular_in_city,           // popularity with a city given
  popular,                   // popularity, no city
};
std::string_view to_string(ReasonKind k);

struct Reason {
  ReasonKind kind = ReasonKind::popular;
  std::int64_t film = 0;  // for because_you_liked
};

struct Suggestion {
  std::int64_t film = 0;
  double score = 0;  // higher first; comparable only within one answer
  Reason reason;
};

struct Query {
  std::string_view user{};  // "" : anonymous (popularity only)
  // The user's ratings now; when nullptr the model uses the ratings it was built with.
  const std::vector<OwnRating>* own = nullptr;
  // Only these films may be suggested (e.g. playing in the city); empty: any film the model knows.
  std::span<const std::int64_t> candidates{};
  // Never suggested (seen, hidden). Films the user rated are always excluded.
  std::span<const std::int64_t> exclude{};
  std::string_view city{};  // popularity counts this city's activity
  std::size_t limit = 10;
};

// An immutable snapshot: built off the event loops (CPU pool), then shared read-only by all
// threads; every const member is safe to call concurrently.
class Model {
 public:
  static std::shared_ptr<const Model> build(ModelInput input, const ModelOptions& options = {});

  std::vector<Suggestion> recommend(const Query& q, Strategy s = Strategy::hybrid) const;
  // Films most like `film` (item CF blended with content), among candidates (empty: any).
  std::vector<Suggestion> similar(std::int64_t film, std::span<const std::int64_t> candidates,
                                  std::size_t limit) const;
  // Pearson correlation of two users over their common films; nullopt below min_common.
  std::optional<double> pearson(std::string_view a, std::string_view b) const;
  // User CF's mean-centred prediction of `user`'s rating of `film` from their top-k neighbours
  // (built ratings); nullopt when no neighbour rated it.
  std::optional<double> predict(std::string_view user, std::int64_t film) const;
  // Adjusted cosine of two films over their common raters (each rating minus its rater's mean),
  // unshrunk; nullopt without a common rater.
  std::optional<double> adjusted_cosine(std::int64_t a, std::int64_t b) const;

  std::size_t users() const;
  std::size_t films() const;
  std::size_t ratings() const;
  std::size_t memory_bytes() const;  // what the snapshot holds, approximately

  ~Model();
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cinestream::recommend
