// The rating matrix: dense user and film indexes, the ratings by user and by film, means.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace cinestream::recommend {
namespace {

// Valid ratings are 0.5..5 stars; anything else (NaN, 0, out of range) is dropped, not clamped:
// a broken value says nothing about taste.
bool valid(float v) {
  return std::isfinite(v) && v >= 0.5F && v <= 5.0F;
}

std::vector<std::uint32_t> offsets_of(const std::vector<std::uint32_t>& counts) {
  std::vector<std::uint32_t> off(counts.size() + 1, 0);
  for (std::size_t i = 0; i < counts.size(); ++i)
    off[i + 1] = off[i] + counts[i];
  return off;
}

}  // namespace

void RatingMatrix::build(const ModelInput& input) {
  auto film = [this](std::int64_t id) {
    auto [it, inserted] = film_index.try_emplace(id, static_cast<Index>(film_ids.size()));
    if (inserted) film_ids.push_back(id);
    return it->second;
  };
  struct Triple {
    Index user, film;
    float value;
    std::size_t order;
  };
  std::vector<Triple> triples;
  triples.reserve(input.ratings.size());
  for (std::size_t i = 0; i < input.ratings.size(); ++i) {
    const Rating& r = input.ratings[i];
    if (!valid(r.value) || r.user.empty()) continue;
    auto [it, inserted] = user_index.try_emplace(r.user, static_cast<Index>(user_names.size()));
    if (inserted) user_names.push_back(r.user);
    triples.push_back({it->second, film(r.film), r.value, i});
  }
  for (const FilmVector& v : input.vectors)
    film(v.film);
  for (const Activity& a : input.activity)
    film(a.film);

  // By user then film, the last of repeated ratings first; then drop the repeats.
  std::sort(triples.begin(), triples.end(), [](const Triple& a, const Triple& b) {
    if (a.user != b.user) return a.user < b.user;
    if (a.film != b.film) return a.film < b.film;
    return a.order > b.order;
  });
  triples.erase(std::unique(triples.begin(), triples.end(),
                            [](const Triple& a, const Triple& b) {
                              return a.user == b.user && a.film == b.film;
                            }),
                triples.end());

  std::vector<std::uint32_t> per_user(users(), 0), per_film(films(), 0);
  for (const Triple& t : triples) {
    ++per_user[t.user];
    ++per_film[t.film];
  }
  user_offsets = offsets_of(per_user);
  film_offsets = offsets_of(per_film);
  by_user.resize(triples.size());
  by_film.resize(triples.size());
  user_mean.assign(users(), 0.0F);
  film_sum.assign(films(), 0.0F);
  std::vector<std::uint32_t> film_fill(film_offsets.begin(), film_offsets.end() - 1);
  double total = 0;
  // Triples are sorted by user, so each film's column comes out sorted by user too.
  for (std::size_t i = 0; i < triples.size(); ++i) {
    const Triple& t = triples[i];
    by_user[i] = {t.film, t.value};
    by_film[film_fill[t.film]++] = {t.user, t.value};
    user_mean[t.user] += t.value;
    film_sum[t.film] += t.value;
    total += t.value;
  }
  for (std::size_t u = 0; u < users(); ++u) {
    if (per_user[u] > 0) user_mean[u] /= static_cast<float>(per_user[u]);
  }
  if (!triples.empty()) global_mean = total / static_cast<double>(triples.size());
}

std::optional<Index> RatingMatrix::find_user(std::string_view name) const {
  auto it = user_index.find(name);
  if (it == user_index.end()) return std::nullopt;
  return it->second;
}

std::optional<Index> RatingMatrix::find_film(std::int64_t id) const {
  auto it = film_index.find(id);
  if (it == film_index.end()) return std::nullopt;
  return it->second;
}

std::size_t RatingMatrix::memory_bytes() const {
  // A hash node: the value, the next pointer and the cached hash; plus the bucket array.
  std::size_t bytes = 0;
  for (const std::string& n : user_names) {
    bytes += sizeof(std::string) + (n.capacity() > 15 ? n.capacity() + 1 : 0);
  }
  bytes += user_index.size() * (sizeof(std::string) + sizeof(Index) + 2 * sizeof(void*)) +
           user_index.bucket_count() * sizeof(void*);
  // The index holds its own copy of each name.
  for (const std::string& n : user_names)
    bytes += n.capacity() > 15 ? n.capacity() + 1 : 0;
  bytes += film_ids.capacity() * sizeof(std::int64_t);
  bytes += film_index.size() * (sizeof(std::int64_t) + sizeof(Index) + sizeof(void*)) +
           film_index.bucket_count() * sizeof(void*);
  bytes += (user_offsets.capacity() + film_offsets.capacity()) * sizeof(std::uint32_t);
  bytes += (by_user.capacity() + by_film.capacity()) * sizeof(Entry);
  bytes += (user_mean.capacity() + film_sum.capacity()) * sizeof(float);
  return bytes;
}

}  // namespace cinestream::recommend
