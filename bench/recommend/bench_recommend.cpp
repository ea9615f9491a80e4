// Recommendation quality and speed (issue #19) on a generated dataset with a known taste
// structure: latent factors around genre clusters, long-tailed film popularity and user
// activity, films chosen partly by popularity and partly by taste, noisy half-star ratings.
// 20% of each user's ratings (users with >= 5) are held out; the model is built on the rest.
// Prints precision@10, recall@10, NDCG@10 (relevant: held-out rating >= 4) and catalogue
// coverage per strategy and for an oracle that knows the generator's parameters (the ceiling
// for this noise), then build time, per-query latency (wall and CPU) and memory. Fixed seeds.
#include <malloc.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cinestream/recommend/model.hpp"

namespace rec = cinestream::recommend;

namespace {

constexpr int kUsers = 6000;
constexpr int kFilms = 2000;
constexpr int kGenres = 12;
constexpr int kLatent = 16;
constexpr int kDim = 128;
constexpr int kCities = 10;
constexpr double kTargetRatings = 240000;
constexpr std::int64_t kNow = 1'780'000'000;

struct Dataset {
  std::vector<rec::Rating> train;
  std::map<std::string, std::vector<std::pair<std::int64_t, float>>> held_out;
  std::vector<rec::Activity> activity;
  std::vector<rec::FilmVector> vectors;
  std::size_t total_ratings = 0;
  // The generator's own truth, for the oracle row: log P(chosen) + log P(rating >= 4) per film.
  std::vector<std::vector<double>> user, film;
  std::vector<double> bias, quality, pop;
};

std::string user_name(int u) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "u%05d", u);
  return buf;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

Dataset generate() {
  std::mt19937_64 rng(20261202);
  std::normal_distribution<double> gauss(0, 1);
  std::uniform_real_distribution<double> uni(0, 1);

  // Genre centroids in the latent space; a film sits near its genre's centroid (and a little
  // toward a second genre), a user likes one or two genres, with individual noise.
  std::vector<std::vector<double>> centroid(kGenres, std::vector<double>(kLatent));
  for (auto& c : centroid) {
    for (double& x : c)
      x = gauss(rng);
    const double n = std::sqrt(dot(c, c));
    for (double& x : c)
      x /= n;
  }
  std::vector<std::vector<double>> film(kFilms, std::vector<double>(kLatent));
  std::vector<int> genre(kFilms);
  std::vector<double> quality(kFilms), pop(kFilms);
  for (int f = 0; f < kFilms; ++f) {
    genre[f] = static_cast<int>(rng() % kGenres);
    const int second = static_cast<int>(rng() % kGenres);
    for (int k = 0; k < kLatent; ++k) {
      film[f][k] = centroid[genre[f]][k] + 0.35 * centroid[second][k] + 0.45 * gauss(rng);
    }
    const double n = std::sqrt(dot(film[f], film[f]));
    for (double& x : film[f])
      x /= n;
    quality[f] = 0.35 * gauss(rng);
    // Long tail: log-normal exposure, mildly tied to quality.
    pop[f] = std::exp(1.3 * gauss(rng) + 0.8 * quality[f]);
  }
  std::vector<std::vector<double>> user(kUsers, std::vector<double>(kLatent));
  std::vector<double> bias(kUsers), activity_level(kUsers);
  double activity_sum = 0;
  for (int u = 0; u < kUsers; ++u) {
    const int g1 = static_cast<int>(rng() % kGenres), g2 = static_cast<int>(rng() % kGenres);
    const double mix = uni(rng) < 0.5 ? 0.0 : 0.6;
    for (int k = 0; k < kLatent; ++k) {
      user[u][k] = centroid[g1][k] + mix * centroid[g2][k] + 0.6 * gauss(rng);
    }
    const double n = std::sqrt(dot(user[u], user[u]));
    for (double& x : user[u])
      x /= n;
    bias[u] = 0.4 * gauss(rng);
    activity_level[u] = std::exp(1.1 * gauss(rng));
    activity_sum += activity_level[u];
  }

  Dataset d;
  std::vector<double> key(kFilms);
  std::vector<int> order(kFilms);
  for (int u = 0; u < kUsers; ++u) {
    auto n = static_cast<int>(std::lround(activity_level[u] / activity_sum * kTargetRatings));
    n = std::clamp(n, 3, 600);
    // Which films a user rates: exposure (popularity) times taste (they pick what they expect to
    // like), sampled without replacement (Efraimidis-Spirakis keys).
    for (int f = 0; f < kFilms; ++f) {
      const double w = pop[f] * std::exp(2.0 * dot(user[u], film[f]));
      key[f] = std::log(uni(rng) + 1e-300) / w;
    }
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + n, order.end(),
                      [&](int a, int b) { return key[a] > key[b]; });
    std::vector<std::pair<std::int64_t, float>> mine;
    for (int i = 0; i < n; ++i) {
      const int f = order[i];
      const double r = 3.4 + bias[u] + quality[f] + 1.6 * dot(user[u], film[f]) + 0.7 * gauss(rng);
      const double half = std::clamp(std::round(r * 2) / 2, 0.5, 5.0);
      mine.emplace_back(1000 + f, static_cast<float>(half));
    }
    d.total_ratings += mine.size();
    std::shuffle(mine.begin(), mine.end(), rng);
    const std::size_t hold = mine.size() >= 5 ? mine.size() / 5 : 0;
    const std::string name = user_name(u);
    for (std::size_t i = 0; i < mine.size(); ++i) {
      if (i < hold) {
        d.held_out[name].push_back(mine[i]);
      } else {
        d.train.push_back({name, mine[i].first, mine[i].second});
      }
    }
  }

  // Activity: views of details and showtimes over 30 days, by exposure, in 10 cities (each
  // city leaning toward two genres).
  std::vector<double> cum(kFilms);
  for (int c = 0; c < kCities; ++c) {
    const int like1 = c % kGenres, like2 = (c * 5 + 3) % kGenres;
    double s = 0;
    for (int f = 0; f < kFilms; ++f) {
      s += pop[f] * (genre[f] == like1 || genre[f] == like2 ? 2.0 : 1.0);
      cum[f] = s;
    }
    for (int i = 0; i < 15000; ++i) {
      const double x = uni(rng) * s;
      const auto f = std::lower_bound(cum.begin(), cum.end(), x) - cum.begin();
      const auto age = static_cast<std::int64_t>(uni(rng) * 30 * 86400);
      char city[16];
      std::snprintf(city, sizeof city, "city%d", c);
      d.activity.push_back({1000 + f, city, kNow - age, 1.0F});
    }
  }

  // Content vectors: a fixed random projection of the film's latent factors and its genre,
  // plus noise (what an embedding of its description would give), unit length.
  std::vector<std::vector<double>> proj(kDim, std::vector<double>(kLatent + kGenres));
  for (auto& row : proj) {
    for (double& x : row)
      x = gauss(rng);
  }
  for (int f = 0; f < kFilms; ++f) {
    std::vector<double> in(kLatent + kGenres, 0.0);
    for (int k = 0; k < kLatent; ++k)
      in[k] = film[f][k];
    in[kLatent + genre[f]] = 0.8;
    rec::FilmVector v{1000 + f, std::vector<float>(kDim)};
    double n = 0;
    for (int i = 0; i < kDim; ++i) {
      const double x = dot(proj[i], in) + 1.0 * gauss(rng);
      v.v[i] = static_cast<float>(x);
      n += x * x;
    }
    for (float& x : v.v)
      x = static_cast<float>(x / std::sqrt(n));
    d.vectors.push_back(std::move(v));
  }
  d.user = std::move(user);
  d.film = std::move(film);
  d.bias = std::move(bias);
  d.quality = std::move(quality);
  d.pop = std::move(pop);
  return d;
}

// What a recommender that knew the generator's parameters would rank first.
std::vector<std::int64_t> oracle(const Dataset& d, int u, const std::set<std::int64_t>& seen) {
  std::vector<std::pair<double, std::int64_t>> all;
  for (int f = 0; f < kFilms; ++f) {
    if (seen.count(1000 + f)) continue;
    const double a = dot(d.user[u], d.film[f]);
    const double mean = 3.4 + d.bias[u] + d.quality[f] + 1.6 * a;
    const double like = 0.5 * std::erfc(-(mean - 3.75) / (0.7 * std::sqrt(2.0)));
    all.emplace_back(std::log(d.pop[f]) + 2.0 * a + std::log(like + 1e-12), 1000 + f);
  }
  std::partial_sort(all.begin(), all.begin() + 10, all.end(), std::greater<>());
  std::vector<std::int64_t> out;
  for (int i = 0; i < 10; ++i)
    out.push_back(all[i].second);
  return out;
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct Metrics {
  double precision = 0, recall = 0, ndcg = 0;
  std::size_t users = 0;
  std::set<std::int64_t> shown;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main() {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  Dataset d = generate();
  const double gen_s = std::chrono::duration<double>(clock::now() - t0).count();
  std::size_t held = 0;
  for (const auto& [u, v] : d.held_out)
    held += v.size();
  std::printf(
      "dataset: %d users, %d films, %zu ratings (%zu train, %zu held out), %zu activity "
      "events, %d-dim vectors; generated in %.1f s\n",
      kUsers, kFilms, d.total_ratings, d.train.size(), held, d.activity.size(), kDim, gen_s);

  std::map<std::string, std::set<std::int64_t>> train_films;
  for (const rec::Rating& r : d.train)
    train_films[r.user].insert(r.film);
  rec::ModelInput input{std::move(d.train), std::move(d.activity), std::move(d.vectors), kNow};
  const auto b0 = clock::now();
  auto model = rec::Model::build(std::move(input));
  const double build_s = std::chrono::duration<double>(clock::now() - b0).count();

  const rec::Strategy strategies[] = {rec::Strategy::user_cf, rec::Strategy::item_cf,
                                      rec::Strategy::content, rec::Strategy::popularity,
                                      rec::Strategy::random,  rec::Strategy::hybrid};
  // The rows: each strategy, then the oracle (the generator's own parameters: a ceiling).
  std::map<std::string, Metrics> results;
  std::vector<std::string> rows;
  for (rec::Strategy s : strategies)
    rows.emplace_back(rec::to_string(s));
  rows.emplace_back("oracle");
  for (const auto& [name, items] : d.held_out) {
    std::set<std::int64_t> relevant;
    for (const auto& [film, value] : items) {
      if (value >= 4.0F) relevant.insert(film);
    }
    if (relevant.empty()) continue;
    double idcg = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, relevant.size()); ++i) {
      idcg += 1.0 / std::log2(static_cast<double>(i) + 2);
    }
    auto score = [&](const std::string& row, const std::vector<std::int64_t>& got) {
      Metrics& m = results[row];
      double hits = 0, dcg = 0;
      for (std::size_t i = 0; i < got.size(); ++i) {
        m.shown.insert(got[i]);
        if (relevant.count(got[i])) {
          hits += 1;
          dcg += 1.0 / std::log2(static_cast<double>(i) + 2);
        }
      }
      m.precision += hits / 10;
      m.recall += hits / static_cast<double>(relevant.size());
      m.ndcg += dcg / idcg;
      ++m.users;
    };
    rec::Query q;
    q.user = name;
    q.limit = 10;
    for (rec::Strategy s : strategies) {
      std::vector<std::int64_t> got;
      for (const rec::Suggestion& g : model->recommend(q, s))
        got.push_back(g.film);
      score(std::string(rec::to_string(s)), got);
    }
    score("oracle", oracle(d, std::stoi(name.substr(1)), train_films[name]));
  }
  std::printf("\n%-11s %12s %10s %8s %9s   (%zu users with a relevant held-out film)\n", "strategy",
              "precision@10", "recall@10", "NDCG@10", "coverage", results["hybrid"].users);
  for (const std::string& row : rows) {
    const Metrics& m = results[row];
    const auto n = static_cast<double>(m.users);
    std::printf("%-11s %12.4f %10.4f %8.4f %8.1f%%\n", row.c_str(), m.precision / n, m.recall / n,
                m.ndcg / n, 100.0 * static_cast<double>(m.shown.size()) / kFilms);
  }
  const double ratio = results["hybrid"].ndcg / results["popularity"].ndcg;
  std::printf("\nhybrid / popularity NDCG@10: %.2fx (issue: >= 1.2x) %s\n", ratio,
              ratio >= 1.2 ? "MET" : "MISSED");
  std::printf("model build: %.2f s (%zu users, %zu films, %zu ratings)\n", build_s, model->users(),
              model->films(), model->ratings());

  // Latency: 2,000 users, hybrid, against 150 films playing in a city, then all films.
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> playing;
  for (int f = 0; f < kFilms; ++f)
    playing.push_back(1000 + f);
  std::shuffle(playing.begin(), playing.end(), rng);
  playing.resize(150);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> ms, cpu;
    for (int i = 0; i < 2000; ++i) {
      rec::Query q;
      const std::string name = user_name(static_cast<int>((i * 7919) % kUsers));
      q.user = name;
      q.city = "city3";
      q.limit = 10;
      if (pass == 0) q.candidates = playing;
      const auto s0 = clock::now();
      const double c0 = thread_cpu_ms();
      auto got = model->recommend(q);
      ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - s0).count());
      cpu.push_back(thread_cpu_ms() - c0);
      if (got.size() != 10) std::printf("short answer for %s: %zu\n", name.c_str(), got.size());
    }
    const double p99 = percentile(ms, 0.99);
    // Wall time includes the waits for a core on a shared machine; the thread's CPU time is
    // the query's own work.
    std::printf(
        "hybrid latency, %s: wall p50 %.2f ms, p99 %.2f ms, max %.2f ms (issue: p99 <= 20 ms) "
        "%s; CPU p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        pass == 0 ? "150 films playing in the city" : "all 2,000 films", percentile(ms, 0.5), p99,
        percentile(ms, 1.0), p99 <= 20 ? "MET" : "MISSED", percentile(cpu, 0.5),
        percentile(cpu, 0.99), percentile(cpu, 1.0));
  }
  // The model's resident memory: RSS with it, then without it (freed memory handed back to the
  // system both times, so only the model's pages differ).
  const std::size_t bytes = model->memory_bytes();
  malloc_trim(0);
  const long rss_with = rss_kb();
  model.reset();
  malloc_trim(0);
  const long rss_without = rss_kb();
  std::printf(
      "memory_bytes(): %.1f MB; process RSS with the model minus without: %.1f MB "
      "(%ld - %ld kB)\n",
      static_cast<double>(bytes) / 1e6, static_cast<double>(rss_with - rss_without) / 1024.0,
      rss_with, rss_without);
  std::printf("total: %.1f s\n", std::chrono::duration<double>(clock::now() - t0).count());
  return 0;
}
