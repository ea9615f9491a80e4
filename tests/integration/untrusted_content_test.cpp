// Everything a model or a web page says is data: a scrape whose answers carry prompt injection,
// markup, control and bidi characters and hostile URLs (the stand-in's injection fault) must
// store and serve that text as inert, cleaned strings, lose none of the real showtimes, and
// fetch nothing from a forbidden address.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>

#include "support/demo_server.hpp"
#include "support/eventually.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::demo_args;
using testing::eventually;
using testing::metric;
using testing::post_scrape;
using testing::scrape_status;
using testing::ServerProcess;
namespace json = boost::json;

// The stand-in's world for these tests, at the server's default refresh interval.
constexpr int kSeed = 4;
constexpr std::nullopt_t kServerDefault = std::nullopt;

json::object scraped_movies(ServerProcess& s, const std::string& city) {
  auto res = post_scrape(s.port(), city);
  EXPECT_TRUE(res.status == 202u || res.status == 200u) << res.body;
  EXPECT_TRUE(eventually(
      [&] { return scrape_status(s.port(), city)["status"].as_string() == "fresh"; }, 60s));
  return json::parse(testing::http_get(s.port(), "/api/movies?city=" + city).body).as_object();
}

// A control or invisible character that must never survive cleaning.
std::string forbidden_in(std::string_view s) {
  static const std::vector<std::string> invisible = {
      "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068",
      "\u2069", "\u200B", "\u200E", "\u200F", "\uFEFF", "\u2028", "\u2029"};
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "control character";
  }
  for (const auto& bad : invisible) {
    if (s.find(bad) != std::string_view::npos) return "invisible or bidi character";
  }
  return {};
}

void check_strings(const json::value& v, std::vector<std::string>& problems) {
  if (v.is_string()) {
    auto why = forbidden_in(v.as_string());
    if (!why.empty()) problems.push_back(why + " in " + json::serialize(v));
  } else if (v.is_array()) {
    for (const auto& e : v.as_array())
      check_strings(e, problems);
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.as_object())
      check_strings(e, problems);
  }
}

struct Showtime {
  std::string movie, cinema, start;
  auto operator<=>(const Showtime&) const = default;
};

std::set<Showtime> showtimes_of(const json::object& doc) {
  std::set<Showtime> out;
  for (const auto& m : doc.at("movies").as_array()) {
    std::string title(m.at("title").as_string());
    for (const auto& t : m.at("theaters").as_array()) {
      for (const auto& st : t.at("showtimes").as_array()) {
        out.insert({title, std::string(t.at("name").as_string()),
                    std::string(st.at("start_time").as_string())});
      }
    }
  }
  return out;
}

TEST(UntrustedContent, InjectedAnswersAreStoredAsInertTextAndLoseNothing) {
  testing::TempDir clean_dir, poisoned_dir;
  ServerProcess clean(clean_dir.str(), demo_args("{}", kSeed, kServerDefault));
  ServerProcess poisoned(poisoned_dir.str(),
                         demo_args(R"({"injection_rate": 1})", kSeed, kServerDefault));
  auto truth = scraped_movies(clean, "kyiv");
  auto doc = scraped_movies(poisoned, "kyiv");

  // The fence held: "</request>" inside a cinema name did not cut the later prompts short, so
  // every real showtime was still found.
  auto want = showtimes_of(truth);
  auto got = showtimes_of(doc);
  ASSERT_GT(want.size(), 50u);
  // Today's and the last day's showtimes may differ between the two runs (one just started, or
  // midnight passed); the days between must all be there.
  std::string first = "9999", last;
  for (const auto& s : want) {
    first = std::min(first, s.start.substr(0, 10));
    last = std::max(last, s.start.substr(0, 10));
  }
  for (const auto& s : want) {
    if (s.start.starts_with(first) || s.start.starts_with(last)) continue;
    EXPECT_TRUE(got.contains(s)) << s.movie << " at " << s.cinema << " " << s.start;
  }

  std::vector<std::string> problems;
  check_strings(doc, problems);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();

  // The injected text is kept as what it is, data, minus the invisible characters.
  const json::object* hijack = nullptr;
  const json::object* credentials = nullptr;
  for (const auto& m : doc.at("movies").as_array()) {
    const auto& o = m.as_object();
    if (o.at("title").as_string() == "<img src=x onerror=alert(1)>Hijack") hijack = &o;
    if (o.at("title").as_string() == "Credentials Poster") credentials = &o;
  }
  ASSERT_NE(hijack, nullptr) << json::serialize(doc).substr(0, 2000);
  EXPECT_LE(hijack->at("description").as_string().size(), 2000u);
  // A poster URL carrying credentials is dropped; the cloud metadata address is refused by the
  // fetcher after DNS (it is link-local, which even the demo's loopback allowance excludes).
  if (credentials) {
    EXPECT_EQ(credentials->at("poster").as_string(), "");
  }
  EXPECT_TRUE(eventually(
      [&] {
        return metric(poisoned.port(), R"(cinestream_posters_total{outcome="refused"})") >= 1;
      },
      20s));
  EXPECT_FALSE(hijack->at("poster").as_string().starts_with("/posters/"));
  bool saw_cinema = false, saw_hall = false;
  for (const auto& m : doc.at("movies").as_array()) {
    for (const auto& t : m.at("theaters").as_array()) {
      const auto& name = t.at("name").as_string();
      if (name.starts_with("Kino Hijack")) {
        saw_cinema = true;
        EXPECT_EQ(t.at("website").as_string(), "");  // javascript: is not a website
      }
      for (const auto& st : t.at("showtimes").as_array()) {
        const auto& hall = st.at("hall").as_string();
        if (hall.starts_with("Saal")) {
          EXPECT_EQ(hall, "Saal 7 Set-Cookie: x=1");
          saw_hall = true;
        }
      }
    }
  }
  (void)saw_cinema;  // the stand-in has no showtimes for the invented cinema
  EXPECT_TRUE(saw_hall);

  // Served as JSON that a browser will not sniff into HTML, and no header came from the data.
  auto res = testing::http_get(poisoned.port(), "/api/showtimes?city=kyiv");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(res.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(res.headers.count("set-cookie"), 0u);
}

}  // namespace
}  // namespace cinestream
