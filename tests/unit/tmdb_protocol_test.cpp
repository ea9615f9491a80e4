// TMDB v3 answers parsed from samples shaped like the real API's, the credential's scheme, poster
// URLs, and the pick of the search result that is the film meant (best_match), on hand-made
// lists and on the stand-in's whole world with its decoys.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cinestream/tmdb/client.hpp"
#include "cinestream/tmdb/protocol.hpp"
#include "cinestream/tmdb_sim/world.hpp"
#include "support/catalog.hpp"

namespace cinestream::tmdb {
namespace {
namespace json = boost::json;

// /search/movie?query=Dune&language=en-US, trimmed to four results as TMDB writes them.
constexpr const char* kSearch = R"({
  "page": 1,
  "results": [
    {"adult": false, "backdrop_path": "/xOMo8BRK7PfcJv9JCnx7s5hj0PX.jpg", "genre_ids": [878, 12],
     "id": 693134, "original_language": "en", "original_title": "Dune: Part Two",
     "overview": "Follow the mythic journey of Paul Atreides...", "popularity": 412.613,
     "poster_path": "/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg", "release_date": "2024-02-27",
     "title": "Dune: Part Two", "video": false, "vote_average": 8.2, "vote_count": 5821},
    {"adult": false, "backdrop_path": null, "genre_ids": [878, 12], "id": 438631,
     "original_language": "en", "original_title": "Dune", "overview": "Paul Atreides...",
     "popularity": 250.1, "poster_path": "/d5NXSklXo0qyIYkgV94XAgMIckC.jpg",
     "release_date": "2021-09-15", "title": "Dune", "video": false, "vote_average": 7.8,
     "vote_count": 12000},
    {"adult": false, "backdrop_path": null, "genre_ids": [28, 12, 878], "id": 841,
     "original_language": "en", "original_title": "Dune", "overview": "In the year 10,191...",
     "popularity": 40.5, "poster_path": null, "release_date": "1984-12-14", "title": "Dune",
     "video": false, "vote_average": 6.2, "vote_count": 2300},
    {"adult": false, "backdrop_path": null, "genre_ids": [], "id": 1170608,
     "original_language": "en", "original_title": "Dune: Part Three", "overview": "",
     "popularity": 30.0, "poster_path": null, "release_date": "", "title": "Dune: Part Three",
     "video": false, "vote_average": 0, "vote_count": 0}
  ],
  "total_pages": 1,
  "total_results": 4
})";

// /movie/693134?language=en-US&append_to_response=translations,external_ids,release_dates
constexpr const char* kDetails = R"json({
  "adult": false, "backdrop_path": "/xOMo8BRK7PfcJv9JCnx7s5hj0PX.jpg",
  "belongs_to_collection": {"id": 726871, "name": "Dune Collection"}, "budget": 190000000,
  "genres": [{"id": 878, "name": "Science Fiction"}, {"id": 12, "name": "Adventure"}],
  "homepage": "https://www.dunemovie.com", "id": 693134, "imdb_id": "tt15239678",
  "origin_country": ["US"], "original_language": "en", "original_title": "Dune: Part Two",
  "overview": "Follow the mythic journey of Paul Atreides as he unites with Chani.",
  "popularity": 412.613, "poster_path": "/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg",
  "release_date": "2024-02-27", "revenue": 714444358, "runtime": 167, "status": "Released",
  "tagline": "Long live the fighters.", "title": "Dune: Part Two", "video": false,
  "vote_average": 8.2, "vote_count": 5821,
  "translations": {"translations": [
    {"iso_3166_1": "UA", "iso_639_1": "uk", "name": "Український", "english_name": "Ukrainian",
     "data": {"homepage": "", "overview": "Пол Атрід об'єднується з Чані.", "runtime": 166,
              "tagline": "", "title": "Дюна: Частина друга"}},
    {"iso_3166_1": "RU", "iso_639_1": "ru", "name": "Pусский", "english_name": "Russian",
     "data": {"homepage": "", "overview": "Пол Атрейдес объединяется с Чани.", "runtime": 166,
              "tagline": "", "title": "Дюна: Часть вторая"}},
    {"iso_3166_1": "GB", "iso_639_1": "en", "name": "English", "english_name": "English",
     "data": {"homepage": "", "overview": "British overview.", "runtime": 0, "tagline": "",
              "title": "Dune: Part Two (UK)"}},
    {"iso_3166_1": "US", "iso_639_1": "en", "name": "English", "english_name": "English",
     "data": {"homepage": "", "overview": "", "runtime": 0, "tagline": "", "title": ""}}
  ]},
  "external_ids": {"imdb_id": "tt15239678", "wikidata_id": "Q104851473", "facebook_id": null,
                   "instagram_id": null, "twitter_id": null},
  "release_dates": {"results": [
    {"iso_3166_1": "US", "release_dates": [
      {"certification": "", "descriptors": [], "iso_639_1": "", "note": "Premiere",
       "release_date": "2024-02-15T00:00:00.000Z", "type": 1},
      {"certification": "PG-13", "descriptors": [], "iso_639_1": "", "note": "",
       "release_date": "2024-03-01T00:00:00.000Z", "type": 3}]},
    {"iso_3166_1": "UA", "release_dates": [
      {"certification": "12+", "descriptors": [], "iso_639_1": "uk", "note": "",
       "release_date": "2024-02-29T00:00:00.000Z", "type": 3}]}
  ]}
})json";

constexpr const char* kConfiguration = R"({
  "images": {
    "base_url": "http://image.tmdb.org/t/p/", "secure_base_url": "https://image.tmdb.org/t/p/",
    "backdrop_sizes": ["w300", "w780", "w1280", "original"],
    "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
    "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
    "profile_sizes": ["w45", "w185", "h632", "original"],
    "still_sizes": ["w92", "w185", "w300", "original"]
  },
  "change_keys": ["adult", "air_date", "title"]
})";

TEST(TmdbProtocol, SearchResultsAsTmdbWritesThem) {
  auto results = parse_search(json::parse(kSearch));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].id, 693134);
  EXPECT_EQ(results[0].title, "Dune: Part Two");
  EXPECT_EQ(results[0].original_language, "en");
  EXPECT_EQ(results[0].year, 2024);
  EXPECT_EQ(results[0].poster_path, "/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg");
  EXPECT_EQ(results[0].genre_ids, (std::vector<int>{878, 12}));
  EXPECT_DOUBLE_EQ(results[0].popularity, 412.613);
  EXPECT_EQ(results[2].poster_path, "");  // null
  EXPECT_EQ(results[3].release_date, "");
  EXPECT_FALSE(results[3].year.has_value());
  EXPECT_THROW(parse_search(json::parse(R"({"status_code":34})")), std::invalid_argument);
  EXPECT_THROW(parse_search(json::parse("[]")), std::invalid_argument);
}

TEST(TmdbProtocol, DetailsWithTranslationsExternalIdsAndCertifications) {
  auto d = parse_details(json::parse(kDetails));
  EXPECT_EQ(d.id, 693134);
  EXPECT_EQ(d.year, 2024);
  EXPECT_EQ(d.runtime, 167);
  EXPECT_EQ(d.genres, (std::vector<std::string>{"Science Fiction", "Adventure"}));
  EXPECT_EQ(d.imdb_id, "tt15239678");
  EXPECT_EQ(d.age_rating, "12+");  // Ukraine's, not the US's PG-13
  // The US translation is empty (the original is English): the original title stands in, not
  // the British variant.
  EXPECT_EQ(d.en.title, "Dune: Part Two");
  EXPECT_EQ(d.en.overview, "Follow the mythic journey of Paul Atreides as he unites with Chani.");
  EXPECT_EQ(d.uk.title, "Дюна: Частина друга");
  EXPECT_EQ(d.uk.overview, "Пол Атрід об'єднується з Чані.");
  EXPECT_EQ(d.ru.title, "Дюна: Часть вторая");
  EXPECT_EQ(d.tagline, "Long live the fighters.");
}

TEST(TmdbProtocol, DetailsFallBackToUsCertificationAndExternalImdbId) {
  auto doc = json::parse(kDetails).as_object();
  doc["imdb_id"] = nullptr;
  doc["runtime"] = 0;
  doc["release_dates"].as_object()["results"].as_array().pop_back();  // no UA entry
  auto d = parse_details(doc);
  EXPECT_EQ(d.imdb_id, "tt15239678");
  EXPECT_EQ(d.age_rating, "PG-13");  // the theatrical release's, not the premiere's ""
  EXPECT_EQ(d.runtime, 166);         // TMDB's 0 is "unknown": the translation's runtime
  doc.erase("id");
  EXPECT_THROW(parse_details(doc), std::invalid_argument);
}

TEST(TmdbProtocol, PosterUrlsFromConfiguration) {
  auto c = parse_configuration(json::parse(kConfiguration));
  EXPECT_EQ(c.secure_base_url, "https://image.tmdb.org/t/p/");
  EXPECT_EQ(c.poster_url("/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg"),
            "https://image.tmdb.org/t/p/w500/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg");
  EXPECT_EQ(c.poster_url(""), "");
  c.poster_sizes = {"w92", "w342", "w780", "w1280", "original"};
  EXPECT_EQ(c.poster_url("/p.jpg"), "https://image.tmdb.org/t/p/w780/p.jpg");
  EXPECT_THROW(parse_configuration(json::parse(R"({"change_keys":[]})")), std::invalid_argument);
}

TEST(TmdbProtocol, ErrorBodies) {
  auto e = parse_error(
      R"({"success":false,"status_code":7,"status_message":"Invalid API key: You must be granted a valid key."})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status_code, 7);
  EXPECT_EQ(e->status_message, "Invalid API key: You must be granted a valid key.");
  EXPECT_FALSE(parse_error("<html>502 Bad Gateway</html>"));
  EXPECT_FALSE(parse_error(R"({"page":1})"));
}

TEST(TmdbProtocol, CredentialScheme) {
  EXPECT_EQ(auth_scheme_of("4f9e2d1c8b7a6f5e4d3c2b1a0f9e8d7c"), AuthScheme::api_key);
  EXPECT_EQ(auth_scheme_of(""), AuthScheme::api_key);
  // The shape of a v4 read access token: a HS256 JWT.
  std::string jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiI0ZjllMmQxYzhiN2E2ZjVlNGQzYzJiMWEwZjllOGQ3YyIsInN1YiI6IjY1"
      "YTAwMDAwMDAwMDAwMDAwMDAwMDAwMCIsInNjb3BlcyI6WyJhcGlfcmVhZCJdLCJ2ZXJzaW9uIjoxfQ."
      "c2lnbmF0dXJlLW5vdC1yZWFsLWJ1dC13ZWxsLWZvcm1lZA";
  EXPECT_EQ(auth_scheme_of(jwt), AuthScheme::bearer);
  EXPECT_EQ(auth_scheme_of(jwt + ".extra"), AuthScheme::api_key);
  EXPECT_EQ(auth_scheme_of("a.b.c"), AuthScheme::api_key);  // too short for a token
  EXPECT_EQ(encode_query_value("Дюна: Part 2&x=1"),
            "%D0%94%D1%8E%D0%BD%D0%B0%3A%20Part%202%26x%3D1");
}

TEST(TmdbMatch, PicksTheFilmMeant) {
  auto results = parse_search(json::parse(kSearch));
  // Punctuation and case folded; the year picks among the same title.
  EXPECT_EQ(best_match({"dune part two", 2024, {}}, results), 0u);
  EXPECT_EQ(best_match({"Dune", 2021, {}}, results), 1u);
  EXPECT_EQ(best_match({"Dune", 1984, {}}, results), 2u);
  EXPECT_EQ(best_match({"Dune", 2022, {}}, results), 1u);  // a year out: a local release
  // Without a year the more popular of two equal titles.
  EXPECT_EQ(best_match({"Dune", {}, {}}, results), 1u);
  // Numbers must agree: "Part Three" is not "Part Two" however popular.
  EXPECT_EQ(best_match({"Dune: Part Three", {}, {}}, results), 3u);
  // Nothing credible: another title, or the right title years away.
  EXPECT_FALSE(best_match({"Oppenheimer", 2023, {}}, results));
  EXPECT_FALSE(best_match({"Dune", 2010, {}}, results));
  EXPECT_FALSE(best_match({"Dune", 2024, {}}, {}));
  // A known runtime far from the candidate's rules it out.
  auto with_runtime = results;
  with_runtime[1].runtime = 155;
  with_runtime[2].runtime = 137;
  EXPECT_EQ(best_match({"Dune", {}, 137}, with_runtime), 2u);
  EXPECT_FALSE(best_match({"Dune", 2021, 95}, with_runtime));
}

// Every film of the stand-in's world, looked for by its English title and year among what the
// world's search returns (decoys included), is found; without the year some decoys win, so the
// decoys do test the year.
TEST(TmdbMatch, StandInWorldDecoys) {
  auto world = tmdb_sim::World::from_seed(11, testing::bundled_catalog(), 2026);
  auto to_result = [](const tmdb_sim::SimFilm& f) {
    SearchResult r;
    r.id = f.id;
    r.title = f.en.title;
    r.original_title = f.original_title;
    r.release_date = f.release_date;
    r.year = year_of(f.release_date);
    r.popularity = f.popularity;
    return r;
  };
  int films = 0, decoys_won_without_year = 0, with_decoys = 0;
  for (const auto& f : world.films()) {
    if (!f.decoy_of.empty()) continue;
    ++films;
    std::vector<SearchResult> results;
    for (const auto* hit : world.search(f.en.title, std::nullopt))
      results.push_back(to_result(*hit));
    if (results.size() > 1) ++with_decoys;
    auto pick = best_match({f.en.title, f.year, {}}, results);
    ASSERT_TRUE(pick) << f.en.title;
    EXPECT_EQ(results[*pick].id, f.id) << f.en.title;
    auto blind = best_match({f.en.title, {}, {}}, results);
    ASSERT_TRUE(blind) << f.en.title;
    if (results[*blind].id != f.id) ++decoys_won_without_year;
  }
  EXPECT_GT(films, 100);
  EXPECT_EQ(with_decoys, films);
  EXPECT_GT(decoys_won_without_year, films / 10);
}

}  // namespace
}  // namespace cinestream::tmdb
