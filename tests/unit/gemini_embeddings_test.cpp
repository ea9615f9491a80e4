// Gemini's embedding API: the request and answer shapes, and the client against the stand-in over
// loopback HTTP (batches of 100, unit vectors, RetryInfo honoured on 429, no retry where it cannot
// help).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <cmath>

#include "cinestream/gemini/embeddings.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "support/catalog.hpp"

namespace cinestream::gemini {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "AIzaSy-EMBED-TEST-KEY";

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    s += static_cast<double>(a[i]) * b[i];
  return s;
}

TEST(GeminiEmbeddings, RequestBodyNamesTheModelTaskAndSizeForEveryText) {
  std::vector<std::string> texts{"Dune: Part Two", "Тіні забутих предків"};
  auto body =
      build_batch_embed_body("gemini-embedding-001", texts, EmbedTask::retrieval_query, 768);
  const auto& requests = body.at("requests").as_array();
  ASSERT_EQ(requests.size(), 2u);
  const auto& second = requests[1].as_object();
  EXPECT_EQ(second.at("model").as_string(), "models/gemini-embedding-001");
  EXPECT_EQ(second.at("taskType").as_string(), "RETRIEVAL_QUERY");
  EXPECT_EQ(second.at("outputDimensionality").as_int64(), 768);
  EXPECT_EQ(second.at("content").at("parts").as_array()[0].at("text").as_string(),
            "Тіні забутих предків");
}

TEST(GeminiEmbeddings, AnswersAreCheckedAndScaledToUnitLength) {
  auto v = parse_batch_embed_response(json::parse(R"({"embeddings":[{"values":[3,4]}]})"), 1, 2);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FLOAT_EQ(v[0][0], 0.6f);
  EXPECT_FLOAT_EQ(v[0][1], 0.8f);
  for (const char* bad :
       {R"({})", R"({"embeddings":{}})", R"({"embeddings":[]})",
        R"({"embeddings":[{"values":[1,2,3]}]})", R"({"embeddings":[{"values":[1,"2"]}]})",
        R"({"embeddings":[{"values":[0,0]}]})", R"({"embeddings":[{}]})", R"([1,2])"}) {
    EXPECT_THROW(parse_batch_embed_response(json::parse(bad), 1, 2), std::invalid_argument) << bad;
  }
  EXPECT_THROW(parse_batch_embed_response(
                   json::parse(R"({"embeddings":[{"values":[1,2]},{"values":[1,2]}]})"), 1, 2),
               std::invalid_argument);
}

class GeminiEmbeddingClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gemini_sim::SimOptions o;
    o.api_key = kKey;
    sim_ = std::make_unique<gemini_sim::SimServer>(testing::bundled_catalog(), o);
    sim_->start("127.0.0.1", 0);
  }
  void TearDown() override { sim_->stop(); }
  EmbeddingOptions options() {
    EmbeddingOptions o;
    o.base_url = sim_->base_url();
    o.api_key = kKey;
    o.attempt_timeout = 5s;
    o.initial_backoff = 100ms;
    return o;
  }
  Sleeper recording_sleeper() {
    return [this](std::chrono::milliseconds d) -> asio::awaitable<void> {
      sleeps_.push_back(d);
      co_return;
    };
  }
  std::vector<std::vector<float>> embed(EmbeddingClient& c, std::vector<std::string> texts) {
    auto fut = asio::co_spawn(io_, c.embed(std::move(texts), EmbedTask::retrieval_document),
                              asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }
  void faults(const std::string& json_text) {
    sim_->service().set_faults(gemini_sim::parse_faults(json::parse(json_text).as_object()));
  }
  std::unique_ptr<gemini_sim::SimServer> sim_;
  asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  CallLimiter limiter_{4};
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(GeminiEmbeddingClientTest, ManyTextsGoInBatchesOfAHundredAndComeBackInOrder) {
  EmbeddingClient c(http_, options(), limiter_);
  std::vector<std::string> texts;
  for (int i = 0; i < 250; ++i)
    texts.push_back(fmt::format("film number {} about space travel", i));
  texts[7] = "a quiet romance in Lviv";
  texts[8] = "a quiet romance in Odesa";
  auto v = embed(c, texts);
  EXPECT_EQ(c.calls(), 3);
  ASSERT_EQ(v.size(), 250u);
  for (const auto& x : v) {
    ASSERT_EQ(x.size(), 768u);
    EXPECT_NEAR(dot(x, x), 1.0, 1e-4);  // the service leaves 768 unnormalised; we do not
  }
  // In request order: the same text in another call gives the same vector.
  auto again = embed(c, {texts[123]});
  EXPECT_NEAR(dot(again[0], v[123]), 1.0, 1e-5);
  // Texts sharing most words are closer than unrelated ones.
  EXPECT_GT(dot(v[7], v[8]), dot(v[7], v[200]) + 0.2);
}

TEST_F(GeminiEmbeddingClientTest, RateLimitsWaitAsToldThenSucceed) {
  faults(R"({"burst_429": 2, "retry_delay_ms": 1500})");
  EmbeddingClient c(http_, options(), limiter_, recording_sleeper());
  auto v = embed(c, {"Dune"});
  ASSERT_EQ(v.size(), 1u);
  ASSERT_EQ(sleeps_.size(), 2u);
  for (auto d : sleeps_) {
    EXPECT_GE(d, 1500ms);
    EXPECT_LE(d, 1750ms);
  }
  EXPECT_EQ(c.calls(), 3);
}

TEST_F(GeminiEmbeddingClientTest, WhatRetryingCannotFixFailsAtOnce) {
  auto unknown = options();
  unknown.model = "gemini-embedding-999";
  EmbeddingClient missing(http_, unknown, limiter_, recording_sleeper());
  try {
    embed(missing, {"Dune"});
    FAIL() << "expected GeminiError";
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found) << e.what();
  }
  auto wrong_key = options();
  wrong_key.api_key = "AIzaSy-wrong";
  EmbeddingClient refused(http_, wrong_key, limiter_, recording_sleeper());
  try {
    embed(refused, {"Dune"});
    FAIL() << "expected GeminiError";
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::auth) << e.what();
    EXPECT_EQ(std::string(e.what()).find("AIzaSy-wrong"), std::string::npos);
  }
  auto too_small = options();
  too_small.dimensions = 64;  // the service allows 128..3072
  EmbeddingClient small(http_, too_small, limiter_, recording_sleeper());
  try {
    embed(small, {"Dune"});
    FAIL() << "expected GeminiError";
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_request) << e.what();
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(GeminiEmbeddingClientTest, ServerErrorsAreRetriedUntilTheAttemptsRunOut) {
  faults(R"({"rate_500": 1.0})");
  auto o = options();
  o.max_attempts = 3;
  EmbeddingClient c(http_, o, limiter_, recording_sleeper());
  try {
    embed(c, {"Dune"});
    FAIL() << "expected GeminiError";
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.what();
  }
  EXPECT_EQ(c.calls(), 3);
  EXPECT_EQ(sleeps_.size(), 2u);
}

}  // namespace
}  // namespace cinestream::gemini
