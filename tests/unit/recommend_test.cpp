// Recommendations (issue #19) on a small dataset checked by hand: Pearson, user-CF prediction,
// adjusted cosine, content reasons, Bayesian popularity, city activity, the hybrid's choice,
// exclusions, own ratings at query time, anonymous, unknown and empty.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cinestream/recommend/model.hpp"

namespace cinestream::recommend {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86400;

// Five users, six films (ids 1..6):
//          f1  f2  f3  f4  f5  f6   mean
//   alice   5   3   4   4   .   .   4.0
//   bob     3   1   2   3   3   .   2.4
//   carol   4   3   4   3   5   .   3.8
//   dave    2   .   4   .   .   5   3.667
//   erin    .   4   .   .   .   2   3.0
// 19 ratings, sum 64: global mean 64/19 = 3.368421.
std::vector<Rating> hand_ratings() {
  return {{"alice", 1, 5}, {"alice", 2, 3}, {"alice", 3, 4}, {"alice", 4, 4}, {"bob", 1, 3},
          {"bob", 2, 1},   {"bob", 3, 2},   {"bob", 4, 3},   {"bob", 5, 3},   {"carol", 1, 4},
          {"carol", 2, 3}, {"carol", 3, 4}, {"carol", 4, 3}, {"carol", 5, 5}, {"dave", 1, 2},
          {"dave", 3, 4},  {"dave", 6, 5},  {"erin", 2, 4},  {"erin", 6, 2}};
}

// Unit vectors in 3 dimensions: f3 is close to f1, f5 close to f4, f6 between f2 and f4.
std::vector<FilmVector> hand_vectors() {
  return {{1, {1, 0, 0}}, {2, {0, 1, 0}},       {3, {0.8F, 0.6F, 0}},
          {4, {0, 0, 1}}, {5, {0.6F, 0, 0.8F}}, {6, {0, 0.6F, 0.8F}}};
}

std::shared_ptr<const Model> hand_model(const ModelOptions& o = {}) {
  return Model::build({hand_ratings(), {}, hand_vectors(), kNow}, o);
}

std::vector<std::int64_t> films_of(const std::vector<Suggestion>& s) {
  std::vector<std::int64_t> out;
  for (const Suggestion& x : s)
    out.push_back(x.film);
  return out;
}

bool contains(const std::vector<std::int64_t>& v, std::int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(RecommendModel, CountsWhatItWasBuiltWith) {
  auto m = hand_model();
  EXPECT_EQ(m->users(), 5u);
  EXPECT_EQ(m->films(), 6u);
  EXPECT_EQ(m->ratings(), 19u);
  EXPECT_GT(m->memory_bytes(), 19 * 2 * sizeof(float));
}

TEST(RecommendPearson, MatchesHandComputedValues) {
  auto m = hand_model();
  // alice-bob over f1..f4: alice (5,3,4,4) mean 4 -> (1,-1,0,0); bob (3,1,2,3) mean 2.25 ->
  // (.75,-1.25,-.25,.75). cov = .75 + 1.25 = 2; var 2 and 2.75: 2 / sqrt(5.5) = 0.852803.
  ASSERT_TRUE(m->pearson("alice", "bob"));
  EXPECT_NEAR(*m->pearson("alice", "bob"), 0.852803, 1e-6);
  EXPECT_NEAR(*m->pearson("bob", "alice"), 0.852803, 1e-6);
  // alice-carol: carol (4,3,4,3) mean 3.5 -> (.5,-.5,.5,-.5); cov 1, var 2 and 1: 0.707107.
  EXPECT_NEAR(*m->pearson("alice", "carol"), 0.707107, 1e-6);
  // alice-dave over f1, f3: (5,4) against (2,4): -1.
  EXPECT_NEAR(*m->pearson("alice", "dave"), -1.0, 1e-9);
  // alice-erin share f2 only: below min_common (2).
  EXPECT_FALSE(m->pearson("alice", "erin"));
  EXPECT_FALSE(m->pearson("alice", "nobody"));
  ModelOptions three;
  three.min_common = 3;
  EXPECT_FALSE(hand_model(three)->pearson("alice", "dave"));
  EXPECT_TRUE(hand_model(three)->pearson("alice", "bob"));
}

TEST(RecommendUserCf, PredictsMeanCentredFromPositiveNeighbours) {
  auto m = hand_model();
  // alice's neighbours: bob (0.852803) and carol (0.707107); dave (-1) and erin (one common
  // film) are not. f5: bob 3 - 2.4 = .6, carol 5 - 3.8 = 1.2:
  // 4 + (.852803 * .6 + .707107 * 1.2) / (.852803 + .707107) = 4.871980.
  ASSERT_TRUE(m->predict("alice", 5));
  EXPECT_NEAR(*m->predict("alice", 5), 4.871980, 1e-5);
  // f6 was rated by dave and erin only, neither a neighbour.
  EXPECT_FALSE(m->predict("alice", 6));
  auto top = m->recommend({.user = "alice"}, Strategy::user_cf);
  EXPECT_EQ(films_of(top), (std::vector<std::int64_t>{5}));
  EXPECT_EQ(top[0].reason.kind, ReasonKind::liked_by_similar_viewers);
}

TEST(RecommendUserCf, CorrelationAtTheThresholdIsNotANeighbour) {
  // The threshold set to alice-carol's exact correlation: "above" excludes carol, so bob alone
  // predicts f5: 4 + (3 - 2.4) = 4.6.
  ModelOptions o;
  o.min_correlation = *hand_model()->pearson("alice", "carol");
  ASSERT_TRUE(hand_model(o)->predict("alice", 5));
  EXPECT_NEAR(*hand_model(o)->predict("alice", 5), 4.6, 1e-5);
  o.min_correlation = std::nextafter(o.min_correlation, 0.0);
  EXPECT_NEAR(*hand_model(o)->predict("alice", 5), 4.871980, 1e-5);
}

TEST(RecommendItemCf, AdjustedCosineMatchesHand) {
  auto m = hand_model();
  // f1, f2 rated by alice (1, -1), bob (.6, -1.4), carol (.2, -.8) around their means:
  // dot -2, norms 1.4 and 3.6: -2 / sqrt(5.04) = -0.890871.
  EXPECT_NEAR(*m->adjusted_cosine(1, 2), -0.890871, 1e-6);
  // f1, f5: bob (.6, .6), carol (.2, 1.2): 0.6 / sqrt(.4 * 1.8) = 0.707107.
  EXPECT_NEAR(*m->adjusted_cosine(1, 5), 0.707107, 1e-6);
  EXPECT_FALSE(m->adjusted_cosine(4, 6));  // no common rater
  EXPECT_FALSE(m->adjusted_cosine(1, 99));
}

TEST(RecommendItemCf, RecommendsTheNeighbourOfALikedFilmWithItAsReason) {
  auto m = hand_model();
  // Someone who loved f1 and disliked f2: f5 is f1's neighbour (f1, f3, f4 also similar to it
  // or not, but they are rated). Reason: f1.
  const std::vector<OwnRating> own{{1, 5}, {2, 1}, {3, 3}, {4, 3}};
  auto top = m->recommend({.user = "zoe", .own = &own}, Strategy::item_cf);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].film, 5);
  EXPECT_EQ(top[0].reason.kind, ReasonKind::because_you_liked);
  EXPECT_EQ(top[0].reason.film, 1);
}

TEST(RecommendContent, ReasonIsTheMostSimilarLikedFilm) {
  auto m = hand_model();
  // Loved f1 and f4, disliked f2. f5 (.6, 0, .8) is closer to f4 (cos .8) than to f1 (.6);
  // f3 (.8, .6, 0) is closer to f1 (.8) than to f4 (0). f3 and f6 are both .6 from the disliked
  // f2; f3 is .8 from f1 (5 stars), f6 .8 from f4 (4.5 stars).
  const std::vector<OwnRating> own{{1, 5}, {4, 4.5F}, {2, 1}};
  auto top = m->recommend({.user = "zoe", .own = &own}, Strategy::content);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(films_of(top), (std::vector<std::int64_t>{5, 3, 6}));
  EXPECT_EQ(top[0].reason.kind, ReasonKind::because_you_liked);
  EXPECT_EQ(top[0].reason.film, 4);
  EXPECT_EQ(top[1].reason.film, 1);
}

TEST(RecommendPopularity, BayesianAverageAtTheGlobalMean) {
  ModelOptions o;
  o.activity_weight = 0;
  o.count_weight = 0;  // the score is then the Bayesian average itself
  auto m = hand_model(o);
  auto top = m->recommend({.user = ""}, Strategy::popularity);
  ASSERT_EQ(top.size(), 6u);
  auto score = [&](std::int64_t film) {
    for (const Suggestion& s : top) {
      if (s.film == film) return s.score;
    }
    return -1.0;
  };
  // f5: (10 * 64/19 + 3 + 5) / 12 = 3.473684; f1: (10 * 64/19 + 5 + 3 + 4 + 2) / 14 =
  // 3.406015 (f3 the same); f6: (10 * 64/19 + 7) / 12 = 3.390351; f4: (.. + 10) / 13 =
  // 3.360324; f2: (.. + 11) / 14 = 3.191729.
  EXPECT_NEAR(score(5), 3.473684, 1e-5);
  EXPECT_NEAR(score(1), 3.406015, 1e-5);
  EXPECT_NEAR(score(6), 3.390351, 1e-5);
  EXPECT_NEAR(score(4), 3.360324, 1e-5);
  EXPECT_NEAR(score(2), 3.191729, 1e-5);
  // Ties go to the smaller id.
  EXPECT_EQ(films_of(top), (std::vector<std::int64_t>{5, 1, 3, 6, 4, 2}));
  EXPECT_EQ(top[0].reason.kind, ReasonKind::popular);
}

TEST(RecommendPopularity, CityActivityDecaysAndOrders) {
  // No ratings: the Bayesian averages are all equal, activity decides.
  std::vector<Activity> act{{6, "lviv", kNow, 1},
                            {6, "lviv", kNow, 1},
                            {6, "lviv", kNow, 1},
                            {1, "lviv", kNow, 1},
                            {1, "kyiv", kNow, 1},
                            {1, "kyiv", kNow, 1},
                            // Two weeks old at a 7-day half-life: 2 x 0.25 = 0.5 < 1.
                            {2, "kyiv", kNow - 14 * kDay, 1},
                            {2, "kyiv", kNow - 14 * kDay, 1},
                            {3, "kyiv", kNow, 1}};
  auto m = Model::build({{}, act, {}, kNow});
  auto lviv = m->recommend({.user = "", .city = "lviv"});
  ASSERT_GE(lviv.size(), 2u);
  EXPECT_EQ(lviv[0].film, 6);
  EXPECT_EQ(lviv[1].film, 1);
  EXPECT_EQ(lviv[0].reason.kind, ReasonKind::popular_in_city);
  auto kyiv = m->recommend({.user = "", .city = "kyiv"});
  EXPECT_EQ(films_of(kyiv), (std::vector<std::int64_t>{1, 3, 2, 6}));
  // Everywhere: f6 (3) before f1 (3 as well: the tie goes to the smaller id) before f3.
  auto all = m->recommend({.user = ""});
  EXPECT_EQ(films_of(all), (std::vector<std::int64_t>{1, 6, 3, 2}));
  EXPECT_EQ(all[0].reason.kind, ReasonKind::popular);
}

TEST(RecommendHybrid, ChoosesByHowMuchTheUserRated) {
  ModelOptions o;
  o.cf_min_ratings = 4;
  o.few_ratings = {0, 0, 1, 0};   // content only below 4 ratings
  o.many_ratings = {1, 0, 0, 0};  // user CF only from 4
  auto m = hand_model(o);
  // alice has 4 ratings: user CF, so f5 (both neighbours rated it) first, by similar viewers.
  auto alice = m->recommend({.user = "alice"});
  ASSERT_FALSE(alice.empty());
  EXPECT_EQ(alice[0].film, 5);
  EXPECT_EQ(alice[0].reason.kind, ReasonKind::liked_by_similar_viewers);
  // The same user with three ratings: content, "because you liked".
  const std::vector<OwnRating> three{{1, 5}, {4, 5}, {2, 1}};
  auto few = m->recommend({.user = "alice", .own = &three});
  ASSERT_FALSE(few.empty());
  EXPECT_EQ(few[0].film, 5);
  EXPECT_EQ(few[0].reason.kind, ReasonKind::because_you_liked);
  EXPECT_EQ(few[0].reason.film, 4);
  // No rating at all: popularity, as for an anonymous visitor.
  const std::vector<OwnRating> none;
  EXPECT_EQ(films_of(m->recommend({.user = "newcomer", .own = &none})),
            films_of(m->recommend({.user = ""}, Strategy::popularity)));
}

TEST(RecommendHybrid, ExcludesRatedExcludedAndNonCandidates) {
  auto m = hand_model();
  // dave rated f1, f3, f6 (stored); he hides f2; only f2, f3, f4, f5 play.
  const std::int64_t playing[] = {2, 3, 4, 5};
  const std::int64_t hidden[] = {2};
  for (Strategy s : {Strategy::user_cf, Strategy::item_cf, Strategy::content, Strategy::popularity,
                     Strategy::random, Strategy::hybrid}) {
    auto got =
        films_of(m->recommend({.user = "dave", .candidates = playing, .exclude = hidden}, s));
    for (std::int64_t f : got) {
      EXPECT_TRUE(f == 4 || f == 5) << to_string(s) << " returned " << f;
    }
  }
  // Own ratings: the films rated now and the stored ones are both excluded.
  const std::vector<OwnRating> own{{4, 4}};
  auto got = films_of(m->recommend({.user = "dave", .own = &own}));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::int64_t>{2, 5}));
}

TEST(RecommendHybrid, FillsTheLimitFromTheCandidates) {
  auto m = hand_model();
  // 7 is playing but unknown to the model (no rating, vector or activity): it still fills the
  // list, last.
  const std::int64_t playing[] = {7, 5, 6, 2, 1};
  auto got = m->recommend({.user = "alice", .candidates = playing, .limit = 3});
  EXPECT_EQ(got.size(), 3u);
  auto all = m->recommend({.user = "alice", .candidates = playing, .limit = 10});
  EXPECT_EQ(films_of(all).size(), 3u);  // 5, 6 and 7: 1 and 2 are rated
  EXPECT_EQ(all.back().film, 7);
  EXPECT_TRUE(contains(films_of(all), 5));
  EXPECT_TRUE(contains(films_of(all), 6));
}

TEST(RecommendHybrid, OwnRatingsChangeTheAnswerWithoutARebuild) {
  ModelOptions o;
  o.cf_min_ratings = 2;
  o.few_ratings = {0, 0, 1, 0};
  o.many_ratings = {0, 0, 1, 0};
  auto m = hand_model(o);
  // erin (stored: f2 4, f6 2) leans toward f2: f3 (.6 from f2) first. Rating f4 5 and f2 1 now
  // turns her list toward f4's neighbour f5.
  auto before = m->recommend({.user = "erin", .limit = 1});
  const std::vector<OwnRating> now{{4, 5}, {2, 1}, {6, 2}};
  auto after = m->recommend({.user = "erin", .own = &now, .limit = 1});
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(before[0].film, 3);
  EXPECT_EQ(after[0].film, 5);
  EXPECT_EQ(after[0].reason.kind, ReasonKind::because_you_liked);
  EXPECT_EQ(after[0].reason.film, 4);
}

TEST(RecommendHybrid, AnonymousAndUnknownUsersGetPopularity) {
  auto m = hand_model();
  auto popular = films_of(m->recommend({.user = ""}, Strategy::popularity));
  ASSERT_EQ(popular.size(), 6u);
  EXPECT_EQ(films_of(m->recommend({.user = ""})), popular);
  EXPECT_EQ(films_of(m->recommend({.user = "nobody"})), popular);
  // Every personal strategy falls back to it rather than answering nothing.
  EXPECT_EQ(films_of(m->recommend({.user = "nobody"}, Strategy::user_cf)), popular);
  // A limit beyond the catalogue is not an allocation of that size.
  const std::int64_t playing[] = {1, 2, 99};
  EXPECT_EQ(m->recommend({.user = "", .limit = SIZE_MAX}).size(), 6u);
  EXPECT_EQ(m->recommend({.user = "", .candidates = playing, .limit = SIZE_MAX}).size(), 3u);
  EXPECT_TRUE(m->recommend({.user = "alice", .limit = 0}).empty());
  auto r = m->recommend({.user = "", .city = "lviv"});
  EXPECT_EQ(r[0].reason.kind, ReasonKind::popular_in_city);
}

TEST(RecommendModel, EmptyModelAnswersNothing) {
  auto m = Model::build({});
  EXPECT_EQ(m->films(), 0u);
  EXPECT_TRUE(m->recommend({.user = "alice"}).empty());
  EXPECT_TRUE(m->recommend({.user = ""}, Strategy::random).empty());
  EXPECT_TRUE(m->similar(1, {}, 5).empty());
  EXPECT_FALSE(m->pearson("a", "b"));
}

TEST(RecommendModel, RandomIsDeterministicAndSimilarExcludesTheFilm) {
  auto m = hand_model();
  auto a = films_of(m->recommend({.user = "zoe"}, Strategy::random));
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a, films_of(m->recommend({.user = "zoe"}, Strategy::random)));
  auto s = m->similar(1, {}, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].film, 3);  // cos .8 with f1's vector
  EXPECT_FALSE(contains(films_of(s), 1));
}

TEST(RecommendModel, NamesOfStrategiesAndReasons) {
  EXPECT_EQ(to_string(Strategy::item_cf), "item_cf");
  EXPECT_EQ(to_string(ReasonKind::popular_in_city), "popular_in_city");
}

}  // namespace
}  // namespace cinestream::recommend
