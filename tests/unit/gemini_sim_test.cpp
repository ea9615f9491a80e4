// The stand-in's world and service without HTTP: determinism, answers per task, faults.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cinestream/gemini/json_extract.hpp"
#include "cinestream/gemini/protocol.hpp"
#include "cinestream/gemini_sim/sim_service.hpp"
#include "support/catalog.hpp"

namespace cinestream::gemini_sim {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const CityCatalog& catalog() {
  return testing::bundled_catalog();
}

WorldOptions options_with_seed(std::uint64_t seed) {
  WorldOptions o;
  o.seed = seed;
  return o;
}

std::string request_body(const std::string& prompt, bool grounded = false, std::string mime = "",
                         int max_tokens = 8192) {
  json::object body{
      {"contents", json::array{{{"role", "user"}, {"parts", json::array{{{"text", prompt}}}}}}}};
  if (grounded) body["tools"] = json::array{{{"google_search", json::object{}}}};
  json::object config{{"maxOutputTokens", max_tokens}};
  if (!mime.empty()) config["responseMimeType"] = mime;
  body["generationConfig"] = config;
  return json::serialize(body);
}

TEST(SimWorld, DeterministicFromTheSeed) {
  World a(options_with_seed(7)), b(options_with_seed(7)), c(options_with_seed(8));
  const auto* kyiv = catalog().resolve("kyiv");
  auto zone = catalog().zone(*kyiv);
  auto day = *parse_iso_date("2026-11-21");
  EXPECT_EQ(a.cinemas(*kyiv).size(), 10u);
  EXPECT_EQ(a.movies(*kyiv).size(), 15u);
  EXPECT_EQ(json::serialize(a.truth(*kyiv, zone, day, 3)),
            json::serialize(b.truth(*kyiv, zone, day, 3)));
  EXPECT_NE(json::serialize(a.truth(*kyiv, zone, day, 3)),
            json::serialize(c.truth(*kyiv, zone, day, 3)));
  // A day's showtimes do not depend on which window asked for them.
  auto later =
      a.truth(*kyiv, zone, *parse_iso_date("2026-11-22"), 1).as_object()["showtimes"].as_array();
  auto window = a.truth(*kyiv, zone, day, 2).as_object()["showtimes"].as_array();
  std::size_t from_window = 0;
  for (const auto& row : window) {
    if (row.as_object().at("start_time").as_string().starts_with("2026-11-22")) ++from_window;
  }
  EXPECT_EQ(from_window, later.size());
  EXPECT_GT(later.size(), 50u);
  for (const auto& m : a.movies(*kyiv)) {
    EXPECT_FALSE(m.title.en.empty() || m.title.ua.empty() || m.title.ru.empty());
  }
  auto png = a.poster_png("river");
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(SimWorld, LocalTimesFollowTheCityZone) {
  World w(options_with_seed(1));
  const auto* ny = catalog().resolve("new-york");
  auto rows = w.truth(*ny, catalog().zone(*ny), *parse_iso_date("2026-07-04"), 1)
                  .as_object()["showtimes"]
                  .as_array();
  ASSERT_FALSE(rows.empty());
  for (const auto& r : rows) {
    std::string t(r.as_object().at("start_time").as_string());
    EXPECT_TRUE(t.ends_with("-04:00")) << t;
    EXPECT_GE(t.substr(11, 5), "10:00");
    EXPECT_LE(t.substr(11, 5), "22:45");
  }
}

class SimServiceTest : public ::testing::Test {
 protected:
  static SimOptions options() {
    SimOptions o;
    o.world.seed = 3;
    o.api_key = "k";
    return o;
  }
  SimService sim{catalog(), options()};
  SimReply call(const std::string& body, std::string model = "gemini-2.5-flash", bool sse = false,
                std::string key = "k") {
    return sim.generate(model + ":generateContent", sse, key, body, "http://127.0.0.1:1");
  }
};

TEST_F(SimServiceTest, AnswersCinemasWithGrounding) {
  auto r = call(
      request_body("Find them <request>{\"task\":\"cinemas\",\"city\":\"Lviv\"}</request>", true));
  ASSERT_EQ(r.status, 200u);
  auto resp = gemini::parse_response(json::parse(r.body));
  auto rows = json::parse(resp.text).as_array();
  EXPECT_EQ(rows.size(), 10u);
  EXPECT_EQ(resp.search_queries.at(0), "cinemas in Lviv");
  EXPECT_TRUE(resp.grounding_chunks.at(0).uri.starts_with(
      "https://vertexaisearch.cloud.google.com/grounding-api-redirect/"));
  EXPECT_GT(resp.usage.tool_use_tokens, 0);
  EXPECT_EQ(resp.usage.total_tokens, resp.usage.prompt_tokens + resp.usage.output_tokens +
                                         resp.usage.thinking_tokens + resp.usage.tool_use_tokens);
}

TEST_F(SimServiceTest, GroundedAnswersAreValidUtf8InEveryLanguage) {
  // Movies carry Ukrainian and Russian text: every cut (segments, MAX_TOKENS) must keep whole
  // characters, or strict JSON parsers refuse the answer.
  for (const char* city : {"odesa", "kyiv", "lviv", "kharkiv", "tokyo"}) {
    for (int max_tokens : {8192, 333, 100}) {
      auto r = call(request_body(
          std::string("<request>{\"task\":\"movies\",\"city\":\"") + city + "\"}</request>", true,
          "", max_tokens));
      boost::system::error_code ec;
      json::parse(r.body, ec);
      EXPECT_FALSE(ec) << city << " " << max_tokens << ": " << ec.message();
    }
  }
}

TEST_F(SimServiceTest, ShowtimesFilteredByDayCinemaAndMovie) {
  const auto* lviv = catalog().resolve("lviv");
  auto truth = sim.world().truth(*lviv, catalog().zone(*lviv), *parse_iso_date("2026-11-21"), 1);
  auto first = truth.as_object()["showtimes"].as_array()[0].as_object();
  std::string movie(first["movie"].as_string()), cinema(first["cinema"].as_string());
  auto prompt = fmt::format(
      "<request>{{\"task\":\"showtimes\",\"city\":\"lviv\",\"dates\":[\"2026-11-21\"],"
      "\"cinemas\":[\"{}\"],\"movies\":[\"{}\"]}}</request>",
      cinema, movie);
  auto resp = gemini::parse_response(json::parse(call(request_body(prompt)).body));
  auto rows = json::parse(resp.text).as_array();
  ASSERT_FALSE(rows.empty());
  for (const auto& r : rows) {
    EXPECT_EQ(r.as_object().at("movie").as_string(), movie);
    EXPECT_EQ(r.as_object().at("cinema").as_string(), cinema);
    EXPECT_TRUE(r.as_object().at("start_time").as_string().starts_with("2026-11-21"));
  }
}

TEST_F(SimServiceTest, RealLifeRejections) {
  auto prompt = request_body("<request>{\"task\":\"cinemas\",\"city\":\"Kyiv\"}</request>", true,
                             "application/json");
  auto r = call(prompt);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(gemini::parse_error(r.body)->status, "INVALID_ARGUMENT");
  EXPECT_EQ(call(prompt, "gemini-3-flash-preview").status, 200u);
  auto bad_key = call(request_body("hi"), "gemini-2.5-flash", false, "wrong");
  EXPECT_EQ(bad_key.status, 400u);
  EXPECT_EQ(gemini::parse_error(bad_key.body)->reason, "API_KEY_INVALID");
  EXPECT_EQ(call(request_body("hi"), "gemini-2.5-flash", false, "").status, 403u);
  EXPECT_EQ(call(request_body("hi"), "gpt-4").status, 404u);
  EXPECT_EQ(call("{not json").status, 400u);
  EXPECT_EQ(call("{}").status, 400u);
}

TEST_F(SimServiceTest, CutShortAtMaxOutputTokens) {
  auto prompt = request_body(
      "<request>{\"task\":\"showtimes\",\"city\":\"kyiv\",\"dates\":[\"2026-11-21\",\"2026-11-22\"]"
      "}</request>",
      false, "", 200);
  auto resp = gemini::parse_response(json::parse(call(prompt).body));
  EXPECT_EQ(resp.finish_reason, "MAX_TOKENS");
  EXPECT_LE(resp.text.size(), 800u);
  auto extracted = gemini::extract_json(resp.text);
  ASSERT_TRUE(extracted);
  EXPECT_TRUE(extracted->repaired);
}

TEST_F(SimServiceTest, FaultsAreInjectedAtTheirRates) {
  Faults f;
  f.burst_429 = 2;
  f.retry_delay = 1500ms;
  sim.set_faults(f);
  auto body = request_body("hi");
  auto first = call(body);
  EXPECT_EQ(first.status, 429u);
  EXPECT_EQ(*gemini::parse_error(first.body)->retry_delay, 1500ms);
  EXPECT_EQ(call(body).status, 429u);
  EXPECT_EQ(call(body).status, 200u);  // the burst is over

  f = {};
  f.rate_503 = 1.0;
  sim.set_faults(f);
  EXPECT_EQ(call(body).status, 503u);
  f = {};
  f.latency = 3000ms;
  f.stall_rate = 1.0;
  f.stall = 90'000ms;
  sim.set_faults(f);
  EXPECT_EQ(call(body).delay, 90'000ms);
  f = {};
  f.fence_rate = 1.0;
  sim.set_faults(f);
  auto fenced = gemini::parse_response(json::parse(
      call(request_body("<request>{\"task\":\"cinemas\",\"city\":\"Kyiv\"}</request>")).body));
  EXPECT_TRUE(fenced.text.starts_with("```json"));
  EXPECT_EQ(gemini::extract_json(fenced.text)->value.as_array().size(), 10u);
  EXPECT_GE(sim.stats().errors_injected, 4);
}

TEST_F(SimServiceTest, StreamsAsServerSentEvents) {
  auto r = sim.generate("gemini-2.5-flash:streamGenerateContent", true, "k",
                        request_body("<request>{\"task\":\"cinemas\",\"city\":\"Kyiv\"}</request>"),
                        "http://127.0.0.1:1");
  EXPECT_EQ(r.content_type, "text/event-stream");
  std::string text;
  std::size_t events = 0;
  std::string last_finish;
  for (std::size_t pos = 0; (pos = r.body.find("data: ", pos)) != std::string::npos;) {
    auto end = r.body.find("\r\n\r\n", pos);
    auto chunk = gemini::parse_response(json::parse(r.body.substr(pos + 6, end - pos - 6)));
    text += chunk.text;
    last_finish = chunk.finish_reason;
    ++events;
    pos = end;
  }
  EXPECT_GT(events, 1u);
  EXPECT_EQ(last_finish, "STOP");
  EXPECT_EQ(json::parse(text).as_array().size(), 10u);
}

}  // namespace
}  // namespace cinestream::gemini_sim
