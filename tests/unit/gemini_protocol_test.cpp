// The Gemini protocol as data: request bodies per model, response and error parsing, JSON
// extraction from every quirk of a text answer, and cost accounting.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cinestream/gemini/json_extract.hpp"
#include "cinestream/gemini/model.hpp"
#include "cinestream/gemini/protocol.hpp"
#include "cinestream/gemini/usage.hpp"

namespace cinestream::gemini {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

TEST(GeminiModels, KnowWhichCombineGroundingAndSchema) {
  EXPECT_FALSE(model_info("gemini-2.5-flash").grounding_with_schema);
  EXPECT_FALSE(model_info("gemini-2.5-pro").grounding_with_schema);
  EXPECT_TRUE(model_info("gemini-3-flash-preview").grounding_with_schema);
  EXPECT_TRUE(model_info("gemini-3-pro-preview").grounding_with_schema);
  EXPECT_DOUBLE_EQ(model_info("gemini-2.5-flash").prices.output_per_million, 2.50);
  EXPECT_DOUBLE_EQ(model_info("gemini-2.5-flash-lite").prices.input_per_million, 0.10);
  EXPECT_DOUBLE_EQ(model_info("gemini-2.5-pro").prices.output_per_million, 10.0);
  EXPECT_DOUBLE_EQ(model_info("gemini-3-pro-preview").prices.per_search_query, 0.014);
}

TEST(GeminiRequest, GroundedJsonOn25LeavesTheSchemaOut) {
  GenerateRequest r;
  r.system_instruction = "You find showtimes.";
  r.prompt = "cinemas in Lviv";
  r.grounded = true;
  r.want_json = true;
  r.json_schema = json::parse(R"({"type":"array"})");
  r.thinking_budget = 0;
  auto body = build_request_body(r, model_info("gemini-2.5-flash"));
  EXPECT_EQ(body["tools"].as_array()[0].as_object().count("google_search"), 1u);
  auto& config = body["generationConfig"].as_object();
  EXPECT_FALSE(config.contains("responseMimeType"));
  EXPECT_FALSE(config.contains("responseJsonSchema"));
  EXPECT_EQ(config["thinkingConfig"].as_object()["thinkingBudget"].as_int64(), 0);
  EXPECT_EQ(
      body["systemInstruction"].as_object()["parts"].as_array()[0].as_object()["text"].as_string(),
      "You find showtimes.");
  EXPECT_EQ(body["contents"].as_array()[0].as_object()["role"].as_string(), "user");

  auto v3 = build_request_body(r, model_info("gemini-3-flash-preview"));
  EXPECT_EQ(v3["generationConfig"].as_object()["responseMimeType"].as_string(), "application/json");
  EXPECT_TRUE(v3["generationConfig"].as_object().contains("responseJsonSchema"));

  r.grounded = false;
  auto ungrounded = build_request_body(r, model_info("gemini-2.5-flash"));
  EXPECT_FALSE(ungrounded.contains("tools"));
  EXPECT_EQ(ungrounded["generationConfig"].as_object()["responseMimeType"].as_string(),
            "application/json");
}

TEST(GeminiResponse, ParsesTextUsageAndGrounding) {
  auto doc = json::parse(R"({
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "thinking...", "thought": true}, {"text": "[1,"}, {"text": "2]"}]},
      "finishReason": "STOP",
      "groundingMetadata": {"webSearchQueries": ["cinemas in Lviv"],
        "groundingChunks": [{"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/x", "title": "kino.ua"}}]}}],
    "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 480, "thoughtsTokenCount": 300,
                      "toolUsePromptTokenCount": 900, "totalTokenCount": 1800},
    "modelVersion": "gemini-2.5-flash", "responseId": "abc"})");
  auto r = parse_response(doc);
  EXPECT_EQ(r.text, "[1,2]");
  EXPECT_EQ(r.finish_reason, "STOP");
  ASSERT_EQ(r.search_queries.size(), 1u);
  EXPECT_EQ(r.grounding_chunks[0].title, "kino.ua");
  EXPECT_EQ(r.usage.prompt_tokens, 120);
  EXPECT_EQ(r.usage.thinking_tokens, 300);
  EXPECT_EQ(r.usage.tool_use_tokens, 900);
  EXPECT_EQ(r.usage.total_tokens, 1800);
  EXPECT_EQ(r.model_version, "gemini-2.5-flash");
}

TEST(GeminiResponse, BlockedPromptAndGarbage) {
  auto blocked = parse_response(json::parse(R"({"promptFeedback": {"blockReason": "SAFETY"},
      "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5}})"));
  EXPECT_EQ(blocked.block_reason, "SAFETY");
  EXPECT_THROW(parse_response(json::parse("[]")), std::invalid_argument);
  EXPECT_THROW(parse_response(json::parse(R"({"hello": 1})")), std::invalid_argument);
  EXPECT_THROW(parse_response(json::parse(R"({"error": {"code": 400}})")), std::invalid_argument);
  EXPECT_THROW(parse_response(json::parse(R"({"candidates": [5]})")), std::invalid_argument);
}

// Found by tests/fuzz/fuzz_gemini_protocol under UBSan: a count too large for int64 was converted
// anyway (undefined behaviour).
TEST(GeminiResponse, CountsOutOfRangeCountAsAbsent) {
  auto r = parse_response(json::parse(
      R"({"usageMetadata": {"promptTokenCount": 4e85, "candidatesTokenCount": 12.0,
          "totalTokenCount": -1e300}})"));
  EXPECT_EQ(r.usage.prompt_tokens, 0);
  EXPECT_EQ(r.usage.output_tokens, 12);
  EXPECT_EQ(r.usage.total_tokens, 0);
}

TEST(GeminiErrors, ParseRetryInfoAndReason) {
  auto body = error_body(429, "RESOURCE_EXHAUSTED", "quota", {}, 26s);
  auto e = parse_error(body);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 429);
  EXPECT_EQ(e->status, "RESOURCE_EXHAUSTED");
  ASSERT_TRUE(e->retry_delay);
  EXPECT_EQ(*e->retry_delay, 26s);
  auto key =
      parse_error(error_body(400, "INVALID_ARGUMENT", "API key not valid.", "API_KEY_INVALID"));
  EXPECT_EQ(key->reason, "API_KEY_INVALID");
  EXPECT_FALSE(key->retry_delay);
  EXPECT_FALSE(parse_error("not json"));
  EXPECT_FALSE(parse_error(R"({"candidates": []})"));
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("0.250s"), 250ms);
  EXPECT_FALSE(parse_duration("5m"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("s"));
}

TEST(JsonExtract, PlainFencedAndProse) {
  EXPECT_EQ(extract_json(R"([{"a":1}])")->value, json::parse(R"([{"a":1}])"));
  auto fenced = extract_json("Sure!\n```json\n{\"cinemas\": [\"A\"]}\n```\nAnything else?");
  ASSERT_TRUE(fenced);
  EXPECT_FALSE(fenced->repaired);
  EXPECT_EQ(fenced->value.as_object().at("cinemas").as_array().size(), 1u);
  auto bare_fence = extract_json("```\n[1, 2, 3]\n```");
  EXPECT_EQ(bare_fence->value.as_array().size(), 3u);
  auto prose = extract_json(
      "Here is what I found for Lviv: [{\"name\": \"Kino {1}\", \"note\": \"a ] in text\"}] "
      "Enjoy!");
  ASSERT_TRUE(prose);
  EXPECT_EQ(prose->value.as_array()[0].as_object().at("name").as_string(), "Kino {1}");
}

// Found by tests/fuzz/fuzz_json_extract: a fence inside a string of a JSON-only answer was taken
// for the answer's fence, and the value inside it returned instead of the answer.
TEST(JsonExtract, FenceInsideAStringOfAJsonAnswerIsData) {
  auto text = R"([{"name": "Kino", "description": "use ```json [1] ``` here"}, {"name": "B"}])";
  auto v = extract_json(text);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->repaired);
  EXPECT_EQ(v->value, json::parse(text));
}

TEST(JsonExtract, SkipsBracesInProseBeforeTheData) {
  auto v = extract_json("Note {see below} and [citation 1]: [{\"a\": 2}]");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value, json::parse(R"([{"a": 2}])"));
}

TEST(JsonExtract, RepairsAnswersCutShort) {
  auto cut = extract_json(R"([{"movie":"Dune","time":"18:00"},{"movie":"Wicked","time":"19:)");
  ASSERT_TRUE(cut);
  EXPECT_TRUE(cut->repaired);
  ASSERT_EQ(cut->value.as_array().size(), 1u);
  EXPECT_EQ(cut->value.as_array()[0].as_object().at("movie").as_string(), "Dune");
  auto nested = extract_json("```json\n{\"rows\": [{\"a\": 1}, {\"a\": 2}, {\"a\"");
  ASSERT_TRUE(nested);
  EXPECT_TRUE(nested->repaired);
  EXPECT_EQ(nested->value.as_object().at("rows").as_array().size(), 2u);
  auto keeps_header = extract_json(R"({"date":"2026-11-21","rows":[{"a":1},{"a":2},{"a":3,"b")");
  ASSERT_TRUE(keeps_header);
  EXPECT_EQ(keeps_header->value.as_object().at("date").as_string(), "2026-11-21");
  EXPECT_EQ(keeps_header->value.as_object().at("rows").as_array().size(), 2u);
  auto escaped = extract_json(R"([{"t":"say \"hi\", ok"},{"t":"cut)");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->value.as_array()[0].as_object().at("t").as_string(), "say \"hi\", ok");
}

TEST(JsonExtract, NothingUsable) {
  EXPECT_FALSE(extract_json(""));
  EXPECT_FALSE(extract_json("I could not find any cinemas."));
  EXPECT_FALSE(extract_json("[{\"a\""));
  EXPECT_FALSE(extract_json("{{{{"));
  EXPECT_FALSE(extract_json("42"));
}

TEST(Usage, CostFromPrices) {
  Usage u;
  u.prompt_tokens = 1'000'000;
  u.output_tokens = 500'000;
  u.thinking_tokens = 500'000;
  u.grounded_calls = 2;
  Prices p;  // 2.5 flash defaults
  EXPECT_NEAR(estimate_cost(u, p), 0.30 + 2.50 + 0.07, 1e-9);
  UsageMeter meter;
  u.cost_usd = 1.25;
  u.calls = 1;
  meter.add(u);
  meter.add(u);
  EXPECT_EQ(meter.total().calls, 2);
  EXPECT_NEAR(meter.total().cost_usd, 2.5, 1e-6);
  auto text = meter.render_metrics();
  EXPECT_NE(text.find("cinestream_gemini_calls_total 2"), std::string::npos);
  EXPECT_NE(text.find("cinestream_gemini_estimated_cost_usd_total 2.5"), std::string::npos);
}

}  // namespace
}  // namespace cinestream::gemini
