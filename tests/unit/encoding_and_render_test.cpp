#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/json.hpp>

#include "cinestream/api/render.hpp"
#include "cinestream/cache/response_cache.hpp"
#include "cinestream/http/encoding.hpp"
#include "support/sample_data.hpp"

namespace cinestream {
namespace {

using testing::utc;

std::string gunzip(const std::string& gz) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  EXPECT_EQ(rc, Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

TEST(Encoding, GzipRoundTrips) {
  std::string text(5000, 'a');
  text += "Київ showtimes";
  auto gz = http::gzip_compress(text);
  EXPECT_LT(gz.size(), text.size() / 10);
  EXPECT_EQ(gunzip(gz), text);
}

TEST(Encoding, AcceptEncodingNegotiation) {
  EXPECT_TRUE(http::accepts_gzip("gzip"));
  EXPECT_TRUE(http::accepts_gzip("br, gzip;q=0.5, deflate"));
  EXPECT_TRUE(http::accepts_gzip("GZIP"));
  EXPECT_TRUE(http::accepts_gzip("*"));
  EXPECT_FALSE(http::accepts_gzip(""));
  EXPECT_FALSE(http::accepts_gzip("br, deflate"));
  EXPECT_FALSE(http::accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(http::accepts_gzip("*, gzip;q=0"));
  EXPECT_FALSE(http::accepts_gzip("gzip;q=abc"));
}

TEST(Encoding, EtagsAreStableAndCompared) {
  auto a = http::make_etag("hello");
  EXPECT_EQ(a, http::make_etag("hello"));
  EXPECT_NE(a, http::make_etag("hellp"));
  EXPECT_TRUE(http::etag_matches(a, a));
  EXPECT_TRUE(http::etag_matches("\"x\", " + a, a));
  EXPECT_TRUE(http::etag_matches("W/" + a, a));
  EXPECT_TRUE(http::etag_matches("*", a));
  EXPECT_FALSE(http::etag_matches("\"other\"", a));
  EXPECT_EQ(http::format_http_date(utc(2026, 11, 21, 8, 14)), "Sat, 21 Nov 2026 08:14:00 GMT");
}

TEST(ResponseCache, VersionedAndBounded) {
  ResponseCache cache(2);
  auto body = make_cached_body(std::string(2000, 'x'));
  ASSERT_TRUE(body->gzip);
  EXPECT_EQ(gunzip(*body->gzip), *body->json);
  cache.put("a", 1, body);
  EXPECT_EQ(cache.find("a", 1), body);
  EXPECT_EQ(cache.find("a", 2), nullptr);  // the city changed since
  cache.put("b", 1, body);
  cache.put("c", 1, body);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(make_cached_body("{}")->gzip);  // too small to bother
}

TEST(Render, ShowtimesAreFlatLocalAndOrdered) {
  auto loc = testing::test_locations()[0];
  const auto* zone = find_zone(loc.tz);
  Movie a = testing::test_movie(
      "Dune", "Дюна",
      {testing::test_theater("Oskar", "Hnata Yury 9",
                             {{utc(2026, 11, 21, 18, 0), "IMAX", "original", "1"}})});
  a.id = 1;
  Movie b = testing::test_movie(
      "<script>alert(1)</script>", "",
      {testing::test_theater("Kinopalats", "", {{utc(2026, 11, 21, 9, 30), "2D", "dubbed", ""}})});
  b.id = 2;
  b.image_path = "/posters/abc.jpg";
  auto json =
      api::render_showtimes({loc, zone}, *parse_iso_date("2026-11-21"), Lang::ua, {a, b}, false);
  auto doc = boost::json::parse(json).as_object();
  EXPECT_EQ(doc["city"].as_object()["name"].as_string(), "Київ");
  EXPECT_EQ(doc["date"].as_string(), "2026-11-21");
  EXPECT_EQ(doc["count"].as_int64(), 2);
  auto rows = doc["showtimes"].as_array();
  EXPECT_EQ(rows[0].as_object()["start_time"].as_string(), "2026-11-21T11:30:00+02:00");
  EXPECT_EQ(rows[0].as_object()["movie"].as_string(), "<script>alert(1)</script>");
  EXPECT_EQ(rows[0].as_object()["poster"].as_string(), "/posters/abc.jpg");
  EXPECT_EQ(rows[1].as_object()["movie"].as_string(), "Дюна");
  EXPECT_EQ(rows[1].as_object()["theater"].as_string(), "Oskar");
  EXPECT_EQ(rows[1].as_object()["start_time"].as_string(), "2026-11-21T20:00:00+02:00");
  EXPECT_EQ(rows[1].as_object()["poster"].as_string(), "https://posters.example/Dune.jpg");
}

TEST(Render, LocationsAreValidJsonWithPlainNumbers) {
  auto locs = testing::test_locations();
  locs[0].name.en = "Quote\" and \\ backslash";
  LocationState fresh;
  fresh.city_id = "kyiv";
  fresh.status = ScrapeStatus::fresh;
  fresh.last_updated = utc(2026, 11, 21, 8, 0);
  auto json = api::render_locations({{&locs[0], 12.345, &fresh}, {&locs[1], std::nullopt, nullptr}},
                                    Lang::en);
  EXPECT_NE(json.find(R"("lat":50.4501,"lon":30.5234)"), std::string::npos) << json;
  auto doc = boost::json::parse(json).as_object();
  auto first = doc["locations"].as_array()[0].as_object();
  EXPECT_EQ(first["name"].as_string(), "Quote\" and \\ backslash");
  EXPECT_DOUBLE_EQ(first["distance_km"].as_double(), 12.3);
  EXPECT_EQ(first["status"].as_string(), "fresh");
  EXPECT_EQ(first["last_updated"].as_string(), "2026-11-21T08:00:00Z");
  auto second = doc["locations"].as_array()[1].as_object();
  EXPECT_FALSE(second.contains("distance_km"));
  EXPECT_TRUE(second["last_updated"].is_null());
  EXPECT_EQ(doc["count"].as_int64(), 2);
}

TEST(Render, MoviesKeepTheirTheaters) {
  auto loc = testing::test_locations()[1];
  Movie a = testing::test_movie(
      "Dune", "Дюна",
      {testing::test_theater("Oskar", "",
                             {{utc(2026, 11, 21, 18, 0), "IMAX", "original", "1"},
                              {utc(2026, 11, 22, 18, 0), "IMAX", "original", "1"}})});
  auto json = api::render_movies({loc, find_zone(loc.tz)}, *parse_iso_date("2026-11-21"),
                                 *parse_iso_date("2026-12-04"), Lang::ru, {a}, true);
  auto doc = boost::json::parse(json).as_object();
  EXPECT_TRUE(doc["demo"].as_bool());
  EXPECT_EQ(doc["to"].as_string(), "2026-12-04");
  auto movie = doc["movies"].as_array()[0].as_object();
  EXPECT_EQ(movie["title"].as_string(), "Дюна");  // no Russian title: falls back to local
  EXPECT_EQ(movie["titles"].as_object()["en"].as_string(), "Dune");
  EXPECT_EQ(movie["theaters"].as_array()[0].as_object()["showtimes"].as_array().size(), 2u);
}

}  // namespace
}  // namespace cinestream
