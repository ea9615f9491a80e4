// Search through a real `cinestream serve --demo`: once Kyiv is scraped and linked, its films are
// found by their titles in any script, with a letter missing, by the start of a title as the
// visitor types, and the films playing in the visitor's city come first; bad queries get clear
// errors.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

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

std::string encoded(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::vector<std::int64_t> found(ApiClient& c, const std::string& target, const char* list) {
  std::vector<std::int64_t> out;
  auto r = c.get(target);
  if (r.status != 200) return out;
  auto doc = json_object_of(r.body);
  for (const auto& f : doc[list].as_array())
    out.push_back(f.as_object().at("film_id").as_int64());
  return out;
}

bool within(const std::vector<std::int64_t>& ids, std::int64_t id, std::size_t n) {
  auto it = std::find(ids.begin(), ids.end(), id);
  return it != ids.end() && static_cast<std::size_t>(it - ids.begin()) < n;
}

TEST(Search, FindsFilmsInAnyScriptDespiteTyposCityFirst) {
  testing::TempDir dir;
  auto args = testing::demo_args("{}", 9);
  args.insert(args.end(), {"--catalog-link-ms", "100", "--search-refresh-ms", "200"});
  ServerProcess s(dir.str(), args);
  auto movies = testing::scrape_and_link(s.port(), "kyiv");
  ASSERT_FALSE(movies.empty());
  ApiClient c(s.port());

  // A Kyiv film with an English and a Cyrillic title of some length.
  std::int64_t film = 0;
  std::string en, uk;
  for (const auto& m : movies) {
    const auto& o = m.as_object();
    const auto& t = o.at("titles").as_object();
    auto e = std::string(t.at("en").as_string());
    auto u = std::string(t.at("ua").as_string());
    if (e.size() >= 8 && u.size() >= 8 && e != u) {
      film = o.at("film_id").as_int64();
      en = e;
      uk = u;
      break;
    }
  }
  ASSERT_NE(film, 0) << "no Kyiv film with English and Ukrainian titles";

  // The index follows the catalogue within its refresh interval.
  ASSERT_TRUE(eventually(
      [&] { return within(found(c, "/api/search?q=" + encoded(en), "results"), film, 1); }, 10s))
      << c.get("/api/search?q=" + encoded(en)).body;
  EXPECT_TRUE(within(found(c, "/api/search?q=" + encoded(uk), "results"), film, 3)) << uk;
  // A letter missing from the middle of the English title.
  auto typo = en;
  typo.erase(typo.size() / 2, 1);
  EXPECT_TRUE(within(found(c, "/api/search?q=" + encoded(typo), "results"), film, 5)) << typo;
  // Suggestions from the first letters.
  auto prefix = en.substr(0, 4);
  EXPECT_TRUE(within(found(c, "/api/search/suggest?q=" + encoded(prefix), "suggestions"), film, 8))
      << prefix;

  // With a city: what plays there comes first, and says so.
  auto r = c.get("/api/search?city=kyiv&limit=50&q=" + encoded(en));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto results = json_object_of(r.body)["results"].as_array();
  ASSERT_FALSE(results.empty());
  bool seen_elsewhere = false;
  for (const auto& f : results) {
    bool here = f.as_object().at("playing_in_city").as_bool();
    EXPECT_FALSE(here && seen_elsewhere) << "a film playing in Kyiv after one that is not";
    seen_elsewhere = seen_elsewhere || !here;
  }
  EXPECT_EQ(results[0].as_object().at("film_id").as_int64(), film);
}

// With --search-embeddings gemini the vectors come from the embedding API (here the demo's
// stand-in): each film's texts once, not again at the next refresh while they stay the same.
TEST(Search, VectorsFromTheGeminiEmbeddingApiAreAskedForOnce) {
  testing::TempDir dir;
  auto args = testing::demo_args("{}", 9);
  args.insert(args.end(),
              {"--catalog-link-ms", "100", "--search-refresh-ms", "200", "--search-embeddings",
               "gemini", "--enrich-budget-per-hour", "0"});  // texts stay the same
  ServerProcess s(dir.str(), args);
  auto movies = testing::scrape_and_link(s.port(), "kyiv");
  ASSERT_FALSE(movies.empty());
  const auto& first = movies[0].as_object();
  auto film = first.at("film_id").as_int64();
  auto title = std::string(first.at("titles").as_object().at("en").as_string());
  ApiClient c(s.port());
  ASSERT_TRUE(eventually(
      [&] { return within(found(c, "/api/search?q=" + encoded(title), "results"), film, 3); }, 15s))
      << c.get("/api/search?q=" + encoded(title)).body;
  std::int64_t embedded = 0;
  ASSERT_TRUE(eventually(
      [&] {
        embedded = testing::metric(s.port(), "cinestream_search_texts_embedded_total");
        return embedded > 0;
      },
      10s));
  // Refreshes go on (every 200 ms) but the same texts are not sent again: once the catalogue
  // has settled (films may still arrive from the scrape's last days), the count stays put over
  // three more builds. Were every text sent each time, it would never settle.
  auto builds_now = [&] {
    return testing::metric(s.port(), "cinestream_search_index_builds_total");
  };
  auto embedded_now = [&] {
    return testing::metric(s.port(), "cinestream_search_texts_embedded_total");
  };
  auto steady_over_three_builds = [&] {
    auto before = embedded_now();
    auto from = builds_now();
    if (!eventually([&] { return builds_now() >= from + 3; }, 10s)) return false;
    embedded = embedded_now();
    return embedded == before;
  };
  ASSERT_TRUE(eventually(steady_over_three_builds, 30s));
  auto from = builds_now();
  ASSERT_TRUE(eventually([&] { return builds_now() >= from + 3; }, 10s));
  EXPECT_EQ(embedded_now(), embedded);
  EXPECT_EQ(testing::metric(s.port(), "cinestream_search_embedding_failures_total{for=\"index\"}"),
            0);
}

TEST(Search, BadQueriesGetClearErrors) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), testing::demo_args("{}", 9));
  ApiClient c(s.port());
  auto expect = [&](const std::string& target, const std::string& code) {
    auto r = c.get(target);
    EXPECT_EQ(r.status, 400u) << target << ": " << r.body;
    EXPECT_EQ(error_code_of(r), code) << target;
  };
  expect("/api/search", "invalid_query");
  expect("/api/search?q=", "invalid_query");
  expect("/api/search?q=%20%20%20", "invalid_query");
  expect("/api/search?q=" + std::string(1000, 'a'), "invalid_query");
  expect("/api/search?q=dune%01", "invalid_query");
  expect("/api/search?q=dune&limit=0", "invalid_query");
  expect("/api/search?q=dune&limit=51", "invalid_query");
  expect("/api/search?q=dune&city=atlantis", "unknown_city");
  expect("/api/search/suggest?q=", "invalid_query");
  // Nothing matching is an empty list, not an error.
  auto r = c.get("/api/search?q=zzqqxxjj");
  ASSERT_EQ(r.status, 200u) << r.body;
}

}  // namespace
}  // namespace cinestream
