// The Gemini client against the stand-in over loopback HTTP: retries and RetryInfo (counted on a
// recording sleeper, never slept), the deadline, the in-flight bound, JSON per model, streaming,
// cost accounting, and the key kept out of logs, errors and metrics.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <sstream>

#include "cinestream/gemini/client.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "support/catalog.hpp"

namespace cinestream::gemini {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

const CityCatalog& catalog() {
  return testing::bundled_catalog();
}

constexpr const char* kKey = "AIzaSy-TEST-KEY-never-print-me";

class GeminiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gemini_sim::SimOptions o;
    o.world.seed = 11;
    o.api_key = kKey;
    sim_ = std::make_unique<gemini_sim::SimServer>(catalog(), o);
    sim_->start("127.0.0.1", 0);
  }
  void TearDown() override { sim_->stop(); }

  ClientOptions options(std::string model = "gemini-2.5-flash") {
    ClientOptions o;
    o.base_url = sim_->base_url();
    o.api_key = kKey;
    o.model = std::move(model);
    o.attempt_timeout = 5s;
    o.initial_backoff = 100ms;
    return o;
  }
  void faults(const std::string& json_text) {
    sim_->service().set_faults(gemini_sim::parse_faults(json::parse(json_text).as_object()));
  }
  // Records each wait and returns at once.
  Sleeper recording_sleeper() {
    return [this](std::chrono::milliseconds d) -> asio::awaitable<void> {
      sleeps_.push_back(d);
      co_return;
    };
  }
  template <class T>
  T run(asio::awaitable<T> coro) {
    auto fut = asio::co_spawn(io_, std::move(coro), asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }
  CallResult generate(Client& c, GenerateRequest r) { return run(c.generate(std::move(r))); }
  static GenerateRequest cinemas_request(bool grounded = true) {
    GenerateRequest r;
    r.prompt = "List the cinemas. <request>{\"task\":\"cinemas\",\"city\":\"Kyiv\"}</request>";
    r.grounded = grounded;
    r.want_json = true;
    r.json_schema = json::parse(R"({"type":"array","items":{"type":"object"}})");
    return r;
  }

  std::unique_ptr<gemini_sim::SimServer> sim_;
  asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  UsageMeter meter_;
  CallLimiter limiter_{8};
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(GeminiClientTest, PlainCallAccountsTokensAndCost) {
  Client c(http_, options(), meter_, limiter_);
  GenerateRequest r;
  r.prompt = "Hello";
  auto res = generate(c, r);
  EXPECT_EQ(res.attempts, 1);
  EXPECT_EQ(res.response.finish_reason, "STOP");
  EXPECT_FALSE(res.response.text.empty());
  EXPECT_GT(res.usage.prompt_tokens, 0);
  EXPECT_GT(res.usage.thinking_tokens, 0);  // 2.5 flash thinks unless told not to
  EXPECT_EQ(res.usage.grounded_calls, 0);
  EXPECT_NEAR(res.usage.cost_usd, estimate_cost(res.usage, model_info("gemini-2.5-flash").prices),
              1e-12);
  auto grounded = generate(c, cinemas_request());
  EXPECT_EQ(grounded.usage.grounded_calls, 1);
  EXPECT_GT(grounded.usage.cost_usd, 0.035);  // a grounded call on 2.5 costs $0.035 plus tokens
  EXPECT_EQ(meter_.total().calls, 2);
  EXPECT_NEAR(meter_.total().cost_usd, res.usage.cost_usd + grounded.usage.cost_usd, 1e-5);
}

TEST_F(GeminiClientTest, RetryInfoDelayIsHonoured) {
  faults(R"({"burst_429": 2, "retry_delay_ms": 1500})");
  Client c(http_, options(), meter_, limiter_, recording_sleeper());
  auto res = generate(c, cinemas_request());
  EXPECT_EQ(res.attempts, 3);
  ASSERT_EQ(sleeps_.size(), 2u);
  for (auto d : sleeps_) {
    EXPECT_GE(d, 1500ms);  // what the service asked for, not our own backoff
    EXPECT_LE(d, 1750ms);
  }
  EXPECT_EQ(meter_.retries(), 2);
  EXPECT_EQ(res.json->as_array().size(), 10u);
}

TEST_F(GeminiClientTest, ServerErrorsBackOffExponentiallyThenFail) {
  faults(R"({"rate_503": 1.0})");
  auto o = options();
  o.max_attempts = 4;
  Client c(http_, o, meter_, limiter_, recording_sleeper());
  try {
    generate(c, cinemas_request());
    FAIL() << "expected GeminiError";
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("overloaded"), std::string::npos) << e.what();
  }
  ASSERT_EQ(sleeps_.size(), 3u);
  EXPECT_GE(sleeps_[0], 50ms);
  EXPECT_LE(sleeps_[0], 100ms);
  EXPECT_GE(sleeps_[1], 100ms);
  EXPECT_LE(sleeps_[1], 200ms);
  EXPECT_GE(sleeps_[2], 200ms);
  EXPECT_LE(sleeps_[2], 400ms);
  EXPECT_EQ(meter_.failures(), 1);
  EXPECT_EQ(sim_->service().stats().calls, 4);
}

TEST_F(GeminiClientTest, ClientErrorsFailAtOnceWithTheServicesMessage) {
  auto o = options();
  o.api_key = "wrong-key";
  Client bad_key(http_, o, meter_, limiter_, recording_sleeper());
  try {
    generate(bad_key, cinemas_request());
    FAIL();
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::auth);
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_NE(std::string(e.what()).find("API key not valid"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("wrong-key"), std::string::npos);
  }
  Client unknown(http_, options("gemini-0-nonexistent"), meter_, limiter_, recording_sleeper());
  sim_->service().set_faults({});
  try {
    generate(unknown, cinemas_request());
    FAIL();
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(sim_->service().stats().calls, 2);
}

TEST_F(GeminiClientTest, DeadlineCutsAStalledCall) {
  faults(R"({"stall_rate": 1.0, "stall_ms": 30000})");
  auto o = options();
  o.attempt_timeout = 200ms;
  o.max_attempts = 2;
  Client c(http_, o, meter_, limiter_, recording_sleeper());
  try {
    generate(c, cinemas_request());
    FAIL();
  } catch (const GeminiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::timeout);
  }
  EXPECT_EQ(sleeps_.size(), 1u);  // a timed-out attempt is retried like a lost connection
}

TEST_F(GeminiClientTest, InFlightCallsStayWithinTheBound) {
  faults(R"({"latency_ms": 80})");
  CallLimiter two(2);
  Client c(http_, options(), meter_, two);
  auto done = run([&]() -> asio::awaitable<int> {
    auto ex = co_await asio::this_coro::executor;
    std::vector<std::future<CallResult>> calls;
    for (int i = 0; i < 6; ++i) {
      GenerateRequest r;
      r.prompt = "Hello " + std::to_string(i);
      calls.push_back(asio::co_spawn(ex, c.generate(r), asio::use_future));
    }
    // Let the loop run the six calls; they finish on this thread's io_context.
    asio::steady_timer t(ex);
    int finished = 0;
    while (finished < 6) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
      finished = 0;
      for (auto& f : calls)
        finished += f.wait_for(0s) == std::future_status::ready;
    }
    for (auto& f : calls)
      f.get();
    co_return finished;
  }());
  EXPECT_EQ(done, 6);
  EXPECT_EQ(two.peak_in_flight(), 2u);
  EXPECT_EQ(two.in_flight(), 0u);
}

TEST_F(GeminiClientTest, JsonFromTextOn25EvenFencedProseAndCut) {
  Client c(http_, options(), meter_, limiter_);
  faults(R"({"fence_rate": 1.0})");
  auto fenced = generate(c, cinemas_request());  // the stand-in refuses schema+grounding on 2.5
  ASSERT_TRUE(fenced.json);
  EXPECT_EQ(fenced.json->as_array().size(), 10u);
  faults(R"({"reset": true, "prose_rate": 1.0})");
  sim_->service().set_faults(
      gemini_sim::parse_faults(json::parse(R"({"prose_rate": 1.0})").as_object()));
  auto prose = generate(c, cinemas_request());
  EXPECT_TRUE(prose.response.text.starts_with("Here is"));
  EXPECT_EQ(prose.json->as_array().size(), 10u);
  sim_->service().set_faults(
      gemini_sim::parse_faults(json::parse(R"({"cut_rate": 1.0})").as_object()));
  auto cut = generate(c, cinemas_request());
  EXPECT_EQ(cut.response.finish_reason, "MAX_TOKENS");
  EXPECT_TRUE(cut.json_repaired);
  EXPECT_LT(cut.json->as_array().size(), 10u);
}

TEST_F(GeminiClientTest, Gemini3SendsGroundingAndSchemaTogether) {
  Client c(http_, options("gemini-3-flash-preview"), meter_, limiter_);
  auto res = generate(c, cinemas_request());
  ASSERT_TRUE(res.json);
  EXPECT_EQ(res.json->as_array().size(), 10u);
  EXPECT_GE(res.usage.search_queries, 1);
  EXPECT_EQ(res.usage.grounded_calls, 1);
}

TEST_F(GeminiClientTest, StreamDeliversTextAsItArrives) {
  Client c(http_, options(), meter_, limiter_);
  std::vector<std::string> pieces;
  auto res = run(c.generate_stream(cinemas_request(false),
                                   [&](std::string_view t) { pieces.emplace_back(t); }));
  EXPECT_GT(pieces.size(), 1u);
  std::string joined;
  for (const auto& p : pieces)
    joined += p;
  EXPECT_EQ(joined, res.response.text);
  EXPECT_EQ(res.response.finish_reason, "STOP");
  EXPECT_GT(res.usage.total_tokens, 0);
  EXPECT_EQ(res.json->as_array().size(), 10u);
}

TEST_F(GeminiClientTest, TheKeyNeverReachesLogsErrorsOrMetrics) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  std::string errors;
  faults(R"({"burst_429": 1, "retry_delay_ms": 10})");
  Client c(http_, options(), meter_, limiter_, recording_sleeper());
  generate(c, cinemas_request());
  auto o = options();
  o.api_key = std::string(kKey) + "-but-wrong";
  Client bad(http_, o, meter_, limiter_, recording_sleeper());
  try {
    generate(bad, cinemas_request());
  } catch (const GeminiError& e) {
    errors = e.what();
  }
  spdlog::set_default_logger(previous);
  EXPECT_FALSE(captured.str().empty());  // the retry was logged
  EXPECT_EQ(captured.str().find("AIzaSy"), std::string::npos) << captured.str();
  EXPECT_FALSE(errors.empty());
  EXPECT_EQ(errors.find("AIzaSy"), std::string::npos) << errors;
  EXPECT_EQ(meter_.render_metrics().find("AIzaSy"), std::string::npos);
}

TEST(CallLimiter, QueueIsBounded) {
  CallLimiter limiter(1, 1);
  asio::io_context io;
  // A named lambda: the coroutine reads its captures after this statement ends (a temporary
  // closure was a stack-use-after-scope, found by ASan).
  auto body = [&]() -> asio::awaitable<std::string> {
    auto held = co_await limiter.acquire();
    auto ex = co_await asio::this_coro::executor;
    auto waiter = asio::co_spawn(ex, limiter.acquire(), asio::use_future);  // waits
    asio::steady_timer t(ex);
    t.expires_after(1ms);
    co_await t.async_wait(asio::use_awaitable);
    try {
      co_await limiter.acquire();  // a second waiter: over the bound
      co_return "acquired";
    } catch (const std::length_error&) {
    }
    held.release();  // hands the slot to the waiter
    co_return limiter.waiting() == 0 ? "bounded" : "stuck";
  };
  auto outcome = asio::co_spawn(io, body(), asio::use_future);
  io.run();
  EXPECT_EQ(outcome.get(), "bounded");
  EXPECT_EQ(limiter.in_flight(), 0u);
}

}  // namespace
}  // namespace cinestream::gemini
