// Recommendations through a real `cinestream serve --demo`: anyone gets the films playing in the
// city ranked by popularity; a signed-in visitor gets them ranked from everyone's ratings, never
// one they rated, saw or hid, and their own new rating or mark changes the list at once; films
// like a film follow who liked both; bad input gets clear errors.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "support/api_client.hpp"
#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::ApiClient;
using testing::error_code_of;
using testing::eventually;
using testing::json_object_of;
using testing::ServerProcess;
using V = boost::beast::http::verb;

constexpr const char* kPassword = "correct horse battery staple";

std::vector<std::string> recommend_args() {
  auto args = testing::demo_args("{}", 9);
  args.insert(args.end(),
              {"--catalog-link-ms", "100", "--recommend-refresh-ms", "200", "--bcrypt-cost", "4"});
  return args;
}

// The suggested film ids in order.
std::vector<std::int64_t> ids_of(const json::object& doc) {
  std::vector<std::int64_t> out;
  for (const auto& r : doc.at("recommendations").as_array())
    out.push_back(r.as_object().at("film_id").as_int64());
  return out;
}

std::ptrdiff_t rank_of(const std::vector<std::int64_t>& ids, std::int64_t id) {
  auto it = std::find(ids.begin(), ids.end(), id);
  return it == ids.end() ? -1 : it - ids.begin();
}

bool contains(const std::vector<std::int64_t>& ids, std::int64_t id) {
  return rank_of(ids, id) >= 0;
}

void rate(ApiClient& c, std::int64_t film, double stars) {
  auto r = c.call(V::put, fmt::format("/api/me/ratings/{}", film),
                  json::serialize(json::object{{"rating", stars}}));
  ASSERT_EQ(r.status, 200u) << r.body;
}

TEST(Recommendations, RankedFromEveryonesRatingsAndTheVisitorsOwnAtOnce) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), recommend_args());
  auto movies = testing::scrape_and_link(s.port(), "kyiv");
  std::vector<std::int64_t> f;
  for (const auto& m : movies) {
    auto id = m.as_object().at("film_id").as_int64();
    if (std::find(f.begin(), f.end(), id) == f.end()) f.push_back(id);
  }
  ASSERT_GE(f.size(), 7u) << "the demo world's Kyiv plays too few films for this test";
  const std::string everything = "/api/recommendations?city=kyiv&days=14&limit=50";

  // Anyone: every film playing, by popularity, each with its next showtimes.
  ApiClient anyone(s.port());
  auto first = anyone.get(everything);
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_NE(first.header("cache-control").find("no-store"), std::string::npos);
  auto doc = json_object_of(first.body);
  EXPECT_EQ(doc["strategy"].as_string(), "popularity");
  EXPECT_FALSE(doc["personal"].as_bool());
  auto all = ids_of(doc);
  EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()),
            std::set<std::int64_t>(f.begin(), f.end()));
  for (const auto& r : doc["recommendations"].as_array()) {
    const auto& o = r.as_object();
    ASSERT_FALSE(o.at("next_showtimes").as_array().empty()) << json::serialize(o);
    EXPECT_FALSE(o.at("next_showtimes").as_array()[0].as_object().at("start").as_string().empty());
    EXPECT_FALSE(o.at("title").as_object().at("en").as_string().empty());
  }
  auto short_list = json_object_of(anyone.get("/api/recommendations?city=kyiv&limit=2").body);
  EXPECT_LE(short_list["recommendations"].as_array().size(), 2u);

  // Two viewers with the same taste: f0 and f3 good, f1 and f4 bad.
  ApiClient b(s.port()), c(s.port()), a(s.port()), newcomer(s.port());
  ASSERT_EQ(b.sign_up("b@example.com", kPassword).status, 201u);
  ASSERT_EQ(c.sign_up("c@example.com", kPassword).status, 201u);
  ASSERT_EQ(a.sign_up("a@example.com", kPassword).status, 201u);
  ASSERT_EQ(newcomer.sign_up("n@example.com", kPassword).status, 201u);
  for (auto [film, stars] : {std::pair{f[0], 5.0}, {f[1], 1.0}, {f[2], 4.0}, {f[3], 5.0}})
    rate(b, film, stars);
  for (auto [film, stars] :
       {std::pair{f[0], 4.5}, {f[1], 1.5}, {f[2], 4.0}, {f[3], 4.5}, {f[4], 1.0}})
    rate(c, film, stars);
  rate(a, f[0], 5.0);
  rate(a, f[1], 1.0);

  // Popularity (a Bayesian average with the count of ratings beside it): f0, rated highest by
  // three, comes first; f3 (two high ratings) before f4 (one low) and before f1 (three low).
  ASSERT_TRUE(eventually(
      [&] {
        auto ids = ids_of(json_object_of(anyone.get(everything).body));
        return !ids.empty() && ids.front() == f[0] && rank_of(ids, f[3]) < rank_of(ids, f[4]) &&
               rank_of(ids, f[3]) < rank_of(ids, f[1]);
      },
      10s))
      << anyone.get(everything).body;

  // The visitor who liked f0 and disliked f1: f3 (liked by whoever liked f0) comes before f4, and
  // says why; nothing they rated is suggested.
  json::object mine;
  ASSERT_TRUE(eventually(
      [&] {
        mine = json_object_of(a.get(everything).body);
        auto ids = ids_of(mine);
        return rank_of(ids, f[3]) >= 0 && rank_of(ids, f[3]) < rank_of(ids, f[4]);
      },
      10s))
      << json::serialize(mine);
  EXPECT_TRUE(mine["personal"].as_bool());
  EXPECT_EQ(mine["strategy"].as_string(), "hybrid");
  auto ids = ids_of(mine);
  EXPECT_FALSE(contains(ids, f[0]));
  EXPECT_FALSE(contains(ids, f[1]));
  // Every suggestion says why, in one of the documented kinds.
  for (const auto& r : mine["recommendations"].as_array()) {
    auto kind = std::string(r.as_object().at("reason").as_object().at("kind").as_string());
    EXPECT_TRUE(kind == "because_you_liked" || kind == "liked_by_similar_viewers" ||
                kind == "popular_in_city" || kind == "popular")
        << kind;
  }

  // Their own changes count at once, not at the next model build.
  ASSERT_EQ(a.call(V::put, fmt::format("/api/me/seen/{}", f[3]), "{}").status, 200u);
  ASSERT_EQ(a.call(V::put, fmt::format("/api/me/hidden/{}", f[5]), "{}").status, 200u);
  rate(a, f[2], 4.5);
  ids = ids_of(json_object_of(a.get(everything).body));
  EXPECT_FALSE(contains(ids, f[3]));
  EXPECT_FALSE(contains(ids, f[5]));
  EXPECT_FALSE(contains(ids, f[2]));

  // A visitor with no ratings gets what is popular, never an error: anyone's list. Read again
  // when a model build (every 200 ms here, with the ratings just made) fell between the reads.
  auto fresh = newcomer.get(everything);
  ASSERT_EQ(fresh.status, 200u) << fresh.body;
  EXPECT_TRUE(eventually(
      [&] {
        auto theirs = ids_of(json_object_of(newcomer.get(everything).body));
        return theirs == ids_of(json_object_of(anyone.get(everything).body));
      },
      10s));

  // Films like f0: f3 (liked by both who liked f0) before f4 (disliked by one who liked f0).
  auto like = anyone.get(fmt::format("/api/recommendations/similar/{}?city=kyiv", f[0]));
  ASSERT_EQ(like.status, 200u) << like.body;
  auto similar = ids_of(json_object_of(like.body));
  EXPECT_FALSE(contains(similar, f[0]));
  ASSERT_TRUE(contains(similar, f[3])) << like.body;
  if (contains(similar, f[4])) {
    EXPECT_LT(rank_of(similar, f[3]), rank_of(similar, f[4]));
  }
  auto like_doc = json_object_of(like.body);
  ASSERT_FALSE(like_doc["recommendations"].as_array().empty());
  const auto& top = like_doc["recommendations"].as_array()[0].as_object();
  EXPECT_EQ(top.at("reason").as_object().at("kind").as_string(), "because_you_liked");
  EXPECT_EQ(top.at("reason").as_object().at("film_id").as_int64(), f[0]);
  EXPECT_FALSE(top.at("reason").as_object().at("title").as_object().at("en").as_string().empty());
}

TEST(Recommendations, BadRequestsGetClearErrors) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), recommend_args());
  ApiClient c(s.port());
  auto expect = [&](const std::string& target, unsigned status, const std::string& code) {
    auto r = c.get(target);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    EXPECT_EQ(error_code_of(r), code) << target;
  };
  expect("/api/recommendations", 400, "invalid_query");
  expect("/api/recommendations?city=", 400, "invalid_query");
  expect("/api/recommendations?city=atlantis", 400, "unknown_city");
  expect("/api/recommendations?city=%01%02", 400, "unknown_city");
  expect("/api/recommendations?city=" + std::string(1000, 'k'), 400, "unknown_city");
  for (const char* q : {"days=0", "days=15", "days=x", "limit=0", "limit=51", "limit=-1",
                        "limit=99999999999999999999", "days=1e1"})
    expect(std::string("/api/recommendations?city=kyiv&") + q, 400, "invalid_query");
  expect("/api/recommendations/similar/abc?city=kyiv", 404, "movie_not_found");
  expect("/api/recommendations/similar/0?city=kyiv", 404, "movie_not_found");
  expect("/api/recommendations/similar/123456789?city=kyiv", 404, "movie_not_found");
  expect("/api/recommendations/similar/123456789", 400, "invalid_query");
  // A city nobody scraped yet: nothing playing, an empty list rather than an error.
  auto empty = c.get("/api/recommendations?city=lviv");
  ASSERT_EQ(empty.status, 200u) << empty.body;
  EXPECT_TRUE(json_object_of(empty.body)["recommendations"].as_array().empty());
}

}  // namespace
}  // namespace cinestream
