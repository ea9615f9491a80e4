// The film catalogue through a real `cinestream serve --demo`: four cities scraped from the Gemini
// stand-in, whose answers spell films differently (misspellings, Ukrainian and Russian titles),
// end up with one catalogue film per real film; and the routes refuse bad input clearly.
#include <gtest/gtest.h>

#include <fmt/ranges.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <map>
#include <set>

#include "cinestream/gemini_sim/world.hpp"
#include "cinestream/store/sqlite_db.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "cinestream/tmdb_sim/world.hpp"
#include "support/api_client.hpp"
#include "support/catalog.hpp"
#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::demo_args;
using testing::eventually;
using testing::http_get;
using testing::post_scrape;
using testing::scrape_status;
using testing::ServerProcess;

constexpr int kSeed = 9;

std::vector<std::string> catalog_args(std::string faults) {
  auto args = demo_args(std::move(faults), kSeed);
  args.insert(args.end(), {"--catalog-link-ms", "100"});
  return args;
}

void scrape(std::uint16_t port, const std::string& city) {
  ASSERT_EQ(post_scrape(port, city).status, 202u);
  ASSERT_TRUE(
      eventually([&] { return scrape_status(port, city)["status"].as_string() == "fresh"; }, 120s));
}

json::array movies_of(std::uint16_t port, const std::string& city) {
  auto res = http_get(port, "/api/movies?city=" + city);
  EXPECT_EQ(res.status, 200u) << res.body;
  return json::parse(res.body).as_object()["movies"].as_array();
}

bool all_linked(std::uint16_t port, const std::string& city) {
  auto movies = movies_of(port, city);
  if (movies.empty()) return false;
  for (const auto& m : movies)
    if (m.as_object().at("film_id").is_null()) return false;
  return true;
}

// Scrapes the cities and waits until every city movie is linked to a catalogue film.
bool scrape_and_link(std::uint16_t port, const std::vector<std::string>& cities) {
  for (const auto& city : cities) {
    scrape(port, city);
    if (::testing::Test::HasFatalFailure()) return false;
  }
  return eventually(
      [&] {
        return std::all_of(cities.begin(), cities.end(),
                           [&](const auto& city) { return all_linked(port, city); });
      },
      30s);
}

json::object get_json(std::uint16_t port, const std::string& target, unsigned status) {
  auto res = http_get(port, target);
  EXPECT_EQ(res.status, status) << target << ": " << res.body;
  auto v = json::parse(res.body);
  return v.is_object() ? v.as_object() : json::object{};
}

TEST(Catalog, CitiesScrapedUnderDifferentSpellingsMakeOneFilmPerFilm) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), catalog_args(R"({"misspell_rate": 0.3})"));
  const std::vector<std::string> kCities = {"kyiv", "lviv", "odesa", "kharkiv"};
  ASSERT_TRUE(scrape_and_link(s.port(), kCities));

  // The truth: the stand-in's films by any of their titles.
  gemini_sim::World world({.seed = kSeed});
  const auto& cities = testing::bundled_catalog();
  std::map<std::string, std::string> truth;               // any title -> the film's slug
  std::map<std::string, std::set<std::string>> films_in;  // city -> slugs
  for (const auto& city : kCities) {
    for (const auto& m : world.movies(*cities.resolve(city))) {
      for (const auto* t : {&m.title.en, &m.title.ua, &m.title.ru, &m.title.local})
        if (!t->empty()) truth[*t] = m.slug;
      films_in[city].insert(m.slug);
    }
  }
  std::map<std::string, int> cities_of;  // slug -> in how many cities
  for (const auto& [city, slugs] : films_in)
    for (const auto& slug : slugs)
      ++cities_of[slug];
  std::set<std::string> shared;
  for (const auto& [slug, n] : cities_of)
    if (n > 1) shared.insert(slug);
  ASSERT_GE(shared.size(), 5u) << "the stand-in's cities share too few films to test this";

  std::map<std::string, std::set<std::int64_t>> film_ids_of;  // slug -> catalogue films
  std::map<std::int64_t, std::set<std::string>> slugs_of;     // catalogue film -> slugs
  std::size_t placed = 0, movies = 0;
  for (const auto& city : kCities) {
    for (const auto& v : movies_of(s.port(), city)) {
      const auto& m = v.as_object();
      ++movies;
      const auto& titles = m.at("titles").as_object();
      std::string slug;
      for (const auto* k : {"en", "ua", "ru", "local"}) {
        auto it = truth.find(std::string(titles.at(k).as_string()));
        if (it != truth.end()) {
          slug = it->second;
          break;
        }
      }
      if (slug.empty()) continue;  // stored under a misspelling: not judged here
      ++placed;
      auto film = m.at("film_id").as_int64();
      film_ids_of[slug].insert(film);
      slugs_of[film].insert(slug);
    }
  }
  EXPECT_GE(placed * 10, movies * 8) << "too few stored titles are the stand-in's";
  for (const auto& [slug, films] : film_ids_of)
    EXPECT_EQ(films.size(), 1u) << slug << " became " << films.size() << " catalogue films";
  for (const auto& [film, slugs] : slugs_of)
    EXPECT_EQ(slugs.size(), 1u) << "catalogue film " << film << " holds " << slugs.size()
                                << " different films: "
                                << fmt::format("{}", fmt::join(slugs, ", "));
  std::size_t shared_placed = 0;
  for (const auto& slug : shared)
    shared_placed += film_ids_of.contains(slug);
  EXPECT_GE(shared_placed, 5u);
  std::cout << "[ catalog  ] " << movies << " city movies, " << placed
            << " under a stand-in title, " << slugs_of.size() << " catalogue films, "
            << shared_placed << " of them in several cities\n";

  // The catalogue lists each film once and says where it plays.
  auto kyiv_films = get_json(s.port(), "/api/catalog/movies?playing_in=kyiv&page=1", 200);
  EXPECT_GT(kyiv_films["total"].as_int64(), 0);
  auto some = *slugs_of.begin();
  auto details =
      get_json(s.port(), fmt::format("/api/catalog/movies/{}?city=kyiv", some.first), 200)["movie"]
          .as_object();
  EXPECT_EQ(details["id"].as_int64(), some.first);
  EXPECT_FALSE(details["playing"].as_array().empty());
  EXPECT_TRUE(details["theaters"].is_array());
}

// Done when (#18): two cities that play the same films under titles in different languages make
// one catalogue film per film, and the TMDB stand-in (demo mode) enriches each with overviews in
// English, Ukrainian and Russian from its translations, and a poster downloaded safely.
TEST(Catalog, TwoCitiesMakeOneFilmPerFilmEnrichedInThreeLanguagesByTmdb) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), catalog_args("{}"));
  gemini_sim::World world({.seed = kSeed});
  const auto& cities = testing::bundled_catalog();
  auto tmdb = tmdb_sim::World::from_seed(kSeed, cities);
  // The two cities of the stand-in's world that share the most films.
  std::map<std::string, std::set<std::string>> slugs_in;
  const std::vector<std::string> kCandidates = {"kyiv", "lviv", "odesa", "kharkiv", "dnipro"};
  for (const auto& city : kCandidates)
    for (const auto& m : world.movies(*cities.resolve(city)))
      slugs_in[city].insert(m.slug);
  std::vector<std::string> kCities;
  std::size_t most = 0;
  for (const auto& a : kCandidates) {
    for (const auto& b : kCandidates) {
      if (a >= b) continue;
      std::size_t n = 0;
      for (const auto& slug : slugs_in[a])
        n += slugs_in[b].contains(slug);
      if (n > most) {
        most = n;
        kCities = {a, b};
      }
    }
  }
  std::map<std::string, std::string> slug_of;      // any stand-in title -> slug
  std::map<std::string, std::string> en_title_of;  // slug -> English title
  std::map<std::string, int> cities_of;            // slug -> in how many of the cities
  for (const auto& city : kCities) {
    for (const auto& m : world.movies(*cities.resolve(city))) {
      for (const auto* t : {&m.title.en, &m.title.ua, &m.title.ru, &m.title.local})
        if (!t->empty()) slug_of[*t] = m.slug;
      en_title_of[m.slug] = m.title.en;
      ++cities_of[m.slug];
    }
  }
  std::size_t shared = 0;
  for (const auto& [slug, n] : cities_of)
    shared += n > 1;
  ASSERT_GE(shared, 3u) << "the two cities share too few films to test this";

  ASSERT_TRUE(scrape_and_link(s.port(), kCities));
  std::map<std::string, std::set<std::int64_t>> films_of;  // slug -> catalogue films
  std::set<std::string> local_titles;                      // how the cities' cinemas list them
  for (const auto& city : kCities) {
    for (const auto& v : movies_of(s.port(), city)) {
      const auto& m = v.as_object();
      const auto& titles = m.at("titles").as_object();
      local_titles.insert(std::string(titles.at("local").as_string()));
      for (const auto* k : {"en", "ua", "ru", "local"}) {
        auto it = slug_of.find(std::string(titles.at(k).as_string()));
        if (it == slug_of.end()) continue;
        films_of[it->second].insert(m.at("film_id").as_int64());
        break;
      }
    }
  }
  std::size_t shared_seen = 0;
  for (const auto& [slug, films] : films_of) {
    EXPECT_EQ(films.size(), 1u) << slug << " became " << films.size() << " catalogue films";
    shared_seen += cities_of[slug] > 1;
  }
  EXPECT_GE(shared_seen, 3u);

  auto film_doc = [&](std::int64_t id) {
    return get_json(s.port(), fmt::format("/api/catalog/movies/{}", id), 200)["movie"].as_object();
  };
  auto enriched = [&](std::int64_t id) {
    return film_doc(id)["enrichment"].as_object()["status"].as_string() != "pending";
  };
  std::size_t checked = 0;
  for (const auto& [slug, films] : films_of) {
    auto id = *films.begin();
    ASSERT_TRUE(eventually([&] { return enriched(id); }, 60s)) << slug << " was never enriched";
    const auto* truth = tmdb.film_titled(en_title_of[slug]);
    ASSERT_NE(truth, nullptr) << slug;
    auto doc = film_doc(id);
    EXPECT_EQ(doc["enrichment"].as_object()["status"].as_string(), "enriched")
        << slug << ": " << json::serialize(doc["title"]);
    EXPECT_EQ(doc["enrichment"].as_object()["source"].as_string(), "tmdb") << slug;
    auto overview = doc["overview"].as_object();
    for (const auto* lang : {"en", "uk", "ru"})
      EXPECT_FALSE(overview[lang].as_string().empty()) << slug << " " << lang;
    EXPECT_EQ(overview["en"].as_string(), truth->en.overview) << slug;
    EXPECT_EQ(overview["uk"].as_string(), truth->uk.overview) << slug;
    EXPECT_EQ(overview["ru"].as_string(), truth->ru.overview) << slug;
    EXPECT_EQ(doc["external_ids"].as_object()["tmdb"], json::value(truth->id)) << slug;
    EXPECT_EQ(doc["year"], json::value(truth->year)) << slug;
    // The poster went through the safe downloader: served from here, content-addressed.
    auto poster = std::string(doc["poster"].as_string());
    EXPECT_TRUE(poster.starts_with("/posters/")) << slug << ": " << poster;
    ++checked;
  }
  EXPECT_GE(checked, 5u);
  EXPECT_GE(testing::metric(s.port(), "cinestream_catalog_enrich_total{outcome=\"enriched\"}"),
            static_cast<std::int64_t>(checked));
  std::cout << "[ catalog  ] " << films_of.size() << " films (" << shared_seen
            << " in both cities, listed under " << local_titles.size()
            << " local titles) enriched from the TMDB stand-in\n";
}

TEST(Catalog, BadRequestsGetClearErrorsAndWriteNothing) {
  testing::TempDir dir;
  ServerProcess s(dir.str(), catalog_args("{}"));
  auto code = [&](const std::string& target, unsigned status) {
    auto body = get_json(s.port(), target, status);
    return body.contains("error") ? std::string(body["error"].as_object()["code"].as_string())
                                  : std::string("(no error)");
  };
  EXPECT_EQ(code("/api/catalog/movies/12345", 404), "movie_not_found");
  EXPECT_EQ(code("/api/catalog/movies/-4", 404), "movie_not_found");
  EXPECT_EQ(code("/api/catalog/movies/99999999999999999999999", 404), "movie_not_found");
  EXPECT_EQ(code("/api/catalog/movies/abc", 404), "movie_not_found");
  EXPECT_EQ(code("/api/catalog/movies?page=0", 400), "invalid_query");
  EXPECT_EQ(code("/api/catalog/movies?page=100000000", 400), "invalid_query");
  EXPECT_EQ(code("/api/catalog/movies?year=soon", 400), "invalid_query");
  EXPECT_EQ(code("/api/catalog/movies?year=1200", 400), "invalid_query");
  EXPECT_EQ(code("/api/catalog/movies?playing_in=atlantis", 400), "unknown_city");
  EXPECT_EQ(code("/api/catalog/movies?q=" + std::string(200, 'x'), 400), "invalid_query");
  EXPECT_EQ(code("/api/catalog/movies/1?city=atlantis", 400), "unknown_city");
  auto empty = get_json(s.port(), "/api/catalog/movies?q=nothing%20like%20this", 200);
  EXPECT_EQ(empty["total"].as_int64(), 0);
  EXPECT_TRUE(empty["movies"].as_array().empty());

  // Corrections are for signed-in operators only.
  testing::HttpClient c(s.port());
  auto res = c.request(boost::beast::http::verb::post, "/api/admin/catalog/movies/1/merge",
                       {{"Content-Type", "application/json"}}, R"({"into": 2})");
  EXPECT_EQ(res.status, 401u) << res.body;
}

}  // namespace
}  // namespace cinestream

namespace cinestream {
namespace {

namespace beast_http = boost::beast::http;

using Visitor = testing::ApiClient;

constexpr const char* kPassword = "correct horse battery staple";

TEST(Library, RateMarkExportAndDeleteWithTheAccount) {
  testing::TempDir dir;
  auto args = catalog_args("{}");
  args.insert(args.end(), {"--bcrypt-cost", "4"});
  ServerProcess s(dir.str(), args);
  scrape(s.port(), "kyiv");
  ASSERT_TRUE(eventually([&] { return all_linked(s.port(), "kyiv"); }, 30s));
  auto movies = movies_of(s.port(), "kyiv");
  auto film = movies[0].as_object().at("film_id").as_int64();
  auto other = movies[1].as_object().at("film_id").as_int64();

  Visitor v(s.port());
  using V = beast_http::verb;
  auto film_path = [&](const char* what, std::int64_t id) {
    return fmt::format("/api/me/{}/{}", what, id);
  };
  // Signed out: nothing of the library.
  EXPECT_EQ(v.call(V::put, film_path("ratings", film), R"({"rating": 4})").status, 401u);
  auto reg = v.call(
      V::post, "/api/auth/register",
      json::serialize(json::object{
          {"email", "viewer@example.com"}, {"password", kPassword}, {"display_name", "Viewer"}}));
  ASSERT_EQ(reg.status, 201u) << reg.body;
  v.token = std::string(json::parse(reg.body).as_object()["access_token"].as_string());

  auto error_of = [](const testing::HttpResult& r) {
    auto doc = json::parse(r.body).as_object();
    return std::string(doc["error"].as_object()["code"].as_string());
  };
  // Bad ratings and unknown films write nothing.
  for (const char* body : {R"({"rating": 0})", R"({"rating": 5.5})", R"({"rating": 3.3})",
                           R"({"rating": "4"})", R"({"rating": null})", R"({"rating": 1e308})"}) {
    auto r = v.call(V::put, film_path("ratings", film), body);
    EXPECT_EQ(r.status, 400u) << body;
    EXPECT_EQ(error_of(r), "invalid_rating") << body;
  }
  EXPECT_EQ(error_of(v.call(V::put, film_path("ratings", film), R"({"stars": 4})")),
            "unknown_field");
  EXPECT_EQ(error_of(v.call(V::put, film_path("ratings", film), "[1]")), "invalid_json");
  auto unknown = v.call(V::put, film_path("ratings", 123456789), R"({"rating": 4})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(error_of(unknown), "movie_not_found");
  EXPECT_EQ(v.call(V::put, "/api/me/ratings/abc", R"({"rating": 4})").status, 404u);
  EXPECT_EQ(error_of(v.call(V::put, film_path("seen", film), R"({"watched_on": "yesterday"})")),
            "invalid_date");
  auto empty = json::parse(v.call(V::get, "/api/me/library").body).as_object();
  EXPECT_TRUE(empty["ratings"].as_array().empty());
  EXPECT_TRUE(empty["seen"].as_array().empty());

  EXPECT_EQ(v.call(V::put, film_path("ratings", film), R"({"rating": 4.5})").status, 200u);
  EXPECT_EQ(v.call(V::put, film_path("ratings", film), R"({"rating": 4.5})").status, 200u);
  EXPECT_EQ(v.call(V::put, film_path("watchlist", other)).status, 200u);
  auto again = json::parse(v.call(V::put, film_path("watchlist", other)).body).as_object();
  EXPECT_FALSE(again["added"].as_bool()) << "a second toggle is a no-op";
  EXPECT_EQ(v.call(V::put, film_path("seen", film), R"({"watched_on": "2026-11-30"})").status,
            200u);
  EXPECT_EQ(v.call(V::put, film_path("hidden", film)).status, 200u);
  auto lib = json::parse(v.call(V::get, "/api/me/library").body).as_object();
  ASSERT_EQ(lib["ratings"].as_array().size(), 1u);
  EXPECT_EQ(lib["ratings"].as_array()[0].as_object()["rating"].as_double(), 4.5);
  EXPECT_EQ(lib["watchlist"].as_array()[0].as_object()["film_id"].as_int64(), other);
  EXPECT_EQ(lib["seen"].as_array()[0].as_object()["watched_on"].as_string(), "2026-11-30");
  EXPECT_EQ(lib["hidden"].as_array().size(), 1u);
  auto rating = get_json(s.port(), fmt::format("/api/ratings/{}", film), 200);
  EXPECT_EQ(rating["count"].as_int64(), 1);
  EXPECT_EQ(rating["average"].as_double(), 4.5);

  // The film's details carry its rating; reading them, searching, exporting a showtime and
  // opening showtimes are remembered (in batches), and the export shows them.
  auto details = json::parse(v.call(V::get, fmt::format("/api/catalog/movies/{}", film)).body)
                     .as_object()["movie"]
                     .as_object();
  EXPECT_EQ(details["rating"].as_object()["average"].as_double(), 4.5);
  EXPECT_EQ(details["rating"].as_object()["count"].as_int64(), 1);
  EXPECT_EQ(v.call(V::get, "/api/catalog/movies?q=mirror").status, 200u);
  auto rows = json::parse(http_get(s.port(), "/api/showtimes?city=kyiv").body)
                  .as_object()["showtimes"]
                  .as_array();
  ASSERT_FALSE(rows.empty());
  auto row = rows[0].as_object();
  auto ics = v.call(
      V::get,
      fmt::format(
          "/api/showtime.ics?city=kyiv&movie_id={}&theater={}&start={}", row["movie_id"].as_int64(),
          boost::urls::encode(row["theater"].as_string(), boost::urls::unreserved_chars),
          boost::urls::encode(row["start_time"].as_string(), boost::urls::unreserved_chars)));
  EXPECT_EQ(ics.status, 200u) << ics.body;
  auto opened = v.call(V::post, "/api/me/activity",
                       fmt::format(R"({{"kind": "opened_showtimes", "film_id": {}}})", other));
  EXPECT_EQ(opened.status, 204u) << opened.body;
  // Only what the page alone sees is accepted from it; bad input writes nothing.
  EXPECT_EQ(error_of(v.call(V::post, "/api/me/activity",
                            fmt::format(R"({{"kind": "viewed_details", "film_id": {}}})", film))),
            "invalid_kind");
  EXPECT_EQ(error_of(v.call(V::post, "/api/me/activity", R"({"kind": "opened_showtimes"})")),
            "invalid_film_id");
  EXPECT_EQ(
      v.call(V::post, "/api/me/activity", R"({"kind": "opened_showtimes", "film_id": 123456789})")
          .status,
      404u);
  EXPECT_EQ(error_of(v.call(V::post, "/api/me/activity", "{")), "invalid_json");
  EXPECT_EQ(testing::HttpClient(s.port())
                .request(V::post, "/api/me/activity", {{"Content-Type", "application/json"}},
                         R"({"kind": "opened_showtimes", "film_id": 1})")
                .status,
            401u);
  std::set<std::string> kinds;
  ASSERT_TRUE(eventually(
      [&] {
        auto doc = json::parse(v.call(V::get, "/api/me/export").body).as_object();
        kinds.clear();
        for (const auto& i : doc["library"].as_object()["interactions"].as_array())
          kinds.insert(std::string(i.as_object().at("kind").as_string()));
        return kinds.size() == 4;
      },
      20s))
      << "interactions recorded: " << kinds.size();
  auto exported_so_far = json::parse(v.call(V::get, "/api/me/export").body).as_object();
  for (const auto& i : exported_so_far["library"].as_object()["interactions"].as_array()) {
    const auto& o = i.as_object();
    if (o.at("kind").as_string() == "searched") {
      EXPECT_EQ(o.at("detail").as_string(), "mirror");
    }
    if (o.at("kind").as_string() == "opened_showtimes") {
      EXPECT_EQ(o.at("film_id").as_int64(), other);
    }
  }

  // The export carries the library; deleting the account takes it and the rating away.
  auto exported = json::parse(v.call(V::get, "/api/me/export").body).as_object();
  EXPECT_EQ(exported["library"].as_object()["ratings"].as_array().size(), 1u);
  auto gone = v.call(V::delete_, "/api/me", json::serialize(json::object{{"password", kPassword}}));
  EXPECT_EQ(gone.status, 204u) << gone.body;
  rating = get_json(s.port(), fmt::format("/api/ratings/{}", film), 200);
  EXPECT_EQ(rating["count"].as_int64(), 0);
  EXPECT_TRUE(rating["average"].is_null());
  // Nothing of it is left in the store.
  auto db = make_sqlite_store(dir.str() + "/cinestream.sqlite3", 1);
  ASSERT_TRUE(db->sqlite());
  db->sqlite()->with([](sqlite::Connection& c) {
    for (const char* table : {"library_ratings", "library_marks", "library_interactions"}) {
      auto st = c.prepare(fmt::format("SELECT count(*) FROM {}", table));
      ASSERT_TRUE(st.step());
      EXPECT_EQ(st.integer(0), 0) << table;
    }
  });
}

}  // namespace
}  // namespace cinestream
