#pragma once
// The model's parts, one per source file; the snapshot (Model::Impl) holds them all. Films and
// users are dense indexes (uint32) into the parts' arrays.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cinestream/recommend/model.hpp"

namespace cinestream::recommend {

using Index = std::uint32_t;

struct Entry {
  Index index = 0;  // a film in a user's row, a user in a film's column
  float value = 0;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// rating_matrix.cpp: the explicit ratings, by user and by film (CSR, each row sorted by index).
struct RatingMatrix {
  std::vector<std::string> user_names;
  std::unordered_map<std::string, Index, StringHash, std::equal_to<>> user_index;
  std::vector<std::int64_t> film_ids;
  std::unordered_map<std::int64_t, Index> film_index;

  std::vector<std::uint32_t> user_offsets;  // users + 1
  std::vector<Entry> by_user;               // film indexes
  std::vector<std::uint32_t> film_offsets;  // films + 1
  std::vector<Entry> by_film;               // user indexes
  std::vector<float> user_mean;
  std::vector<float> film_sum;  // of ratings
  double global_mean = 3.5;

  // Indexes every film of the input (rated, with a vector, with activity) and the raters, then
  // lays the ratings out; a user's repeated rating of one film keeps the last.
  void build(const ModelInput& input);

  std::optional<Index> find_user(std::string_view name) const;
  std::optional<Index> find_film(std::int64_t id) const;
  std::span<const Entry> user_row(Index u) const {
    return {by_user.data() + user_offsets[u], by_user.data() + user_offsets[u + 1]};
  }
  std::span<const Entry> film_column(Index f) const {
    return {by_film.data() + film_offsets[f], by_film.data() + film_offsets[f + 1]};
  }
  std::size_t users() const { return user_names.size(); }
  std::size_t films() const { return film_ids.size(); }
  std::size_t memory_bytes() const;
};

// Calls f(index, value in a, value in b) for each index in both rows (each sorted by index).
template <class F>
void for_common(std::span<const Entry> a, std::span<const Entry> b, F f) {
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i].index < b[j].index) {
      ++i;
    } else if (b[j].index < a[i].index) {
      ++j;
    } else {
      f(a[i].index, a[i].value, b[j].value);
      ++i;
      ++j;
    }
  }
}

// What one query works from: the user's ratings (built or given) as sorted film indexes.
struct Profile {
  std::optional<Index> user;   // in the matrix (excluded from their own neighbours)
  std::vector<Entry> ratings;  // film indexes, sorted
  double mean = 0;             // of these ratings
  // The mean damped toward the global mean (two pseudo-ratings): a user with one 5-star rating
  // has mean 5, which would make every deviation-weighted signal zero.
  double damped_mean = 0;
};

// A strategy's scores over the films; `scored` marks the films it has any evidence for.
struct Scores {
  std::vector<double> value;
  std::vector<std::uint8_t> scored;
  explicit Scores(std::size_t films) : value(films, 0.0), scored(films, 0) {}
  void set(Index f, double v) {
    value[f] = v;
    scored[f] = 1;
  }
};

// user_cf.cpp
struct Neighbour {
  Index user = 0;
  double weight = 0;  // Pearson correlation
};
struct PearsonSums {
  std::uint32_t n = 0;
  double a = 0, b = 0, aa = 0, bb = 0, ab = 0;
  void add(double x, double y) {
    ++n;
    a += x;
    b += y;
    aa += x * x;
    bb += y * y;
    ab += x * y;
  }
  std::optional<double> correlation(std::size_t min_common) const;
};
std::vector<Neighbour> user_neighbours(const RatingMatrix& m, const Profile& p,
                                       const ModelOptions& o);
// Mean-centred prediction minus the user's mean, damped by `damping` in the denominator (0: the
// plain prediction); scored only where a neighbour rated the film.
void user_cf_scores(const RatingMatrix& m, const Profile& p, std::span<const Neighbour> nb,
                    double damping, Scores& out);

// The ranking score (neighbours' votes): what user CF recommends by.
void user_cf_topn(const RatingMatrix& m, std::span<const Neighbour> nb, Scores& out);

// item_cf.cpp
struct ItemNeighbours {
  std::vector<std::uint32_t> offsets;  // films + 1
  std::vector<Entry> list;             // per film, sorted by film index; value = shrunk similarity
  void build(const RatingMatrix& m, const ModelOptions& o);
  std::optional<float> similarity(Index a, Index b) const;
  std::span<const Entry> of(Index f) const {
    return {list.data() + offsets[f], list.data() + offsets[f + 1]};
  }
  std::size_t memory_bytes() const;
};
std::optional<double> adjusted_cosine(const RatingMatrix& m, Index a, Index b);
// The ranking score (rated films' votes): what item CF recommends by.
void item_cf_topn(const ItemNeighbours& items, const Profile& p, Scores& out);
// The rated film that contributes most to `film`'s item-CF score.
std::optional<Index> item_cf_reason(const ItemNeighbours& items, const Profile& p, Index film);

// content.cpp
struct ContentIndex {
  std::size_t dim = 0;
  std::vector<float> vectors;     // films x dim, unit length; zeros without a vector
  std::vector<std::uint8_t> has;  // per film
  void build(const RatingMatrix& m, std::vector<FilmVector>& input);
  double cosine(Index a, Index b) const;
  std::size_t memory_bytes() const;
};
void content_scores(const ContentIndex& c, const Profile& p, Scores& out);
std::optional<Index> content_reason(const ContentIndex& c, const Profile& p, Index film);

// popularity.cpp
struct Popularity {
  std::vector<float> bayes;     // per film, stars
  std::vector<float> activity;  // per film, decayed
  std::vector<float> count;     // per film, ratings
  std::unordered_map<std::string, std::vector<float>, StringHash, std::equal_to<>> by_city;
  void build(const RatingMatrix& m, const std::vector<Activity>& input, std::int64_t now_unix,
             const ModelOptions& o);
  void scores(std::string_view city, const ModelOptions& o, Scores& out) const;
  std::size_t memory_bytes() const;
};

struct Model::Impl {
  ModelOptions options;
  RatingMatrix matrix;
  ItemNeighbours items;
  ContentIndex content;
  Popularity popularity;

  Profile profile(const Query& q) const;
};

// hybrid.cpp: each strategy's answer over the allowed films, best first.
struct Ranked {
  Index film = 0;
  double score = 0;
  Reason reason;
};
std::vector<Ranked> rank(const Model::Impl& m, const Profile& p, const Query& q, Strategy s,
                         const std::vector<std::uint8_t>& allowed);
// The best `limit` scored films among the allowed ones (ties: smaller film id first).
std::vector<Ranked> top(const RatingMatrix& m, const Scores& s,
                        const std::vector<std::uint8_t>& allowed, std::size_t limit);

// random.cpp: a seeded shuffle of the allowed films, the same for one user and seed every time.
std::vector<Ranked> random_ranking(std::string_view user, std::uint64_t seed,
                                   const std::vector<std::uint8_t>& allowed, std::size_t limit);

}  // namespace cinestream::recommend
