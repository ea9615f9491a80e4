#include "cinestream/gemini/protocol.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <charconv>
#include <cmath>

namespace cinestream::gemini {
namespace json = boost::json;

boost::json::object build_request_body(const GenerateRequest& r, const ModelInfo& model) {
  json::object body;
  if (!r.system_instruction.empty()) {
    body["systemInstruction"] = {{"parts", json::array{{{"text", r.system_instruction}}}}};
  }
  body["contents"] = json::array{{{"role", "user"}, {"parts", json::array{{{"text", r.prompt}}}}}};
  if (r.grounded) body["tools"] = json::array{{{"google_search", json::object{}}}};
  json::object config;
  config["temperature"] = r.temperature;
  config["maxOutputTokens"] = r.max_output_tokens;
  const bool structured = r.want_json && (!r.grounded || model.grounding_with_schema);
  if (structured) {
    config["responseMimeType"] = "application/json";
    if (r.json_schema) config["responseJsonSchema"] = *r.json_schema;
  }
  if (r.thinking_budget) config["thinkingConfig"] = {{"thinkingBudget", *r.thinking_budget}};
  body["generationConfig"] = std::move(config);
  return body;
}

namespace {

const json::object* obj(const json::value* v) {
  return v && v->is_object() ? &v->as_object() : nullptr;
}
const json::array* arr(const json::value* v) {
  return v && v->is_array() ? &v->as_array() : nullptr;
}
std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) {
    // Converting a double out of int64's range is undefined (UBSan, tests/fuzz): such a count
    // is nonsense from the service, so it counts as absent.
    double d = v->as_double();
    return std::isfinite(d) && std::fabs(d) < 9.0e18 ? static_cast<std::int64_t>(d) : 0;
  }
  return 0;
}

}  // namespace

GenerateResponse parse_response(const json::value& body) {
  const auto* root = obj(&body);
  if (!root) throw std::invalid_argument("response is not a JSON object");
  if (root->contains("error")) throw std::invalid_argument("response is an error document");
  GenerateResponse out;
  out.model_version = str(*root, "modelVersion");
  out.response_id = str(*root, "responseId");
  if (const auto* feedback = obj(root->if_contains("promptFeedback"))) {
    out.block_reason = str(*feedback, "blockReason");
  }
  const auto* candidates = arr(root->if_contains("candidates"));
  if (!candidates && !root->contains("usageMetadata") && out.block_reason.empty()) {
    throw std::invalid_argument("response has neither candidates nor usage");
  }
  if (candidates && !candidates->empty()) {
    const auto* cand = obj(&(*candidates)[0]);
    if (!cand) throw std::invalid_argument("candidate is not an object");
    out.finish_reason = str(*cand, "finishReason");
    if (const auto* content = obj(cand->if_contains("content"))) {
      if (const auto* parts = arr(content->if_contains("parts"))) {
        for (const auto& p : *parts) {
          const auto* part = obj(&p);
          if (!part) continue;
          if (const auto* thought = part->if_contains("thought");
              thought && thought->is_bool() && thought->as_bool()) {
            continue;  // reasoning, not answer text
          }
          out.text += str(*part, "text");
        }
      }
    }
    if (const auto* gm = obj(cand->if_contains("groundingMetadata"))) {
      if (const auto* queries = arr(gm->if_contains("webSearchQueries"))) {
        for (const auto& q : *queries) {
          if (q.is_string()) out.search_queries.emplace_back(q.as_string());
        }
      }
      if (const auto* chunks = arr(gm->if_contains("groundingChunks"))) {
        for (const auto& c : *chunks) {
          const auto* chunk = obj(&c);
          const auto* web = chunk ? obj(chunk->if_contains("web")) : nullptr;
          if (web) out.grounding_chunks.push_back({str(*web, "uri"), str(*web, "title")});
        }
      }
    }
  }
  if (const auto* um = obj(root->if_contains("usageMetadata"))) {
    out.usage.prompt_tokens = num(*um, "promptTokenCount");
    out.usage.output_tokens = num(*um, "candidatesTokenCount");
    out.usage.thinking_tokens = num(*um, "thoughtsTokenCount");
    out.usage.tool_use_tokens = num(*um, "toolUsePromptTokenCount");
    out.usage.total_tokens = num(*um, "totalTokenCount");
  }
  return out;
}

void merge_stream_chunk(GenerateResponse& into, const GenerateResponse& chunk) {
  into.text += chunk.text;
  if (!chunk.finish_reason.empty()) into.finish_reason = chunk.finish_reason;
  if (!chunk.block_reason.empty()) into.block_reason = chunk.block_reason;
  if (!chunk.search_queries.empty()) into.search_queries = chunk.search_queries;
  if (!chunk.grounding_chunks.empty()) into.grounding_chunks = chunk.grounding_chunks;
  if (chunk.usage.total_tokens > 0) into.usage = chunk.usage;
  if (!chunk.model_version.empty()) into.model_version = chunk.model_version;
  if (!chunk.response_id.empty()) into.response_id = chunk.response_id;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  if (s.size() < 2 || s.back() != 's') return std::nullopt;
  s.remove_suffix(1);
  double seconds = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec != std::errc{} || p != s.data() + s.size() || seconds < 0 || seconds > 86400) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000 + 0.5));
}

std::optional<ApiError> parse_error(std::string_view body) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec) return std::nullopt;
  const auto* root = obj(&doc);
  const auto* err = root ? obj(root->if_contains("error")) : nullptr;
  if (!err) return std::nullopt;
  ApiError out;
  out.code = static_cast<int>(num(*err, "code"));
  out.status = str(*err, "status");
  out.message = str(*err, "message");
  if (const auto* details = arr(err->if_contains("details"))) {
    for (const auto& d : *details) {
      const auto* detail = obj(&d);
      if (!detail) continue;
      auto type = str(*detail, "@type");
      if (type.ends_with("google.rpc.ErrorInfo")) out.reason = str(*detail, "reason");
      if (type.ends_with("google.rpc.RetryInfo"))
        out.retry_delay = parse_duration(str(*detail, "retryDelay"));
    }
  }
  return out;
}

std::string error_body(int code, std::string_view status, std::string_view message,
                       std::string_view reason,
                       std::optional<std::chrono::milliseconds> retry_delay) {
  json::array details;
  if (!reason.empty()) {
    details.push_back({{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                       {"reason", reason},
                       {"domain", "googleapis.com"},
                       {"metadata", {{"service", "generativelanguage.googleapis.com"}}}});
  }
  if (code == 429) {
    details.push_back(
        {{"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
         {"violations",
          json::array{{{"quotaMetric",
                        "generativelanguage.googleapis.com/generate_content_free_tier_requests"},
                       {"quotaId", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}}}}});
  }
  if (retry_delay) {
    details.push_back(
        {{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
         {"retryDelay", fmt::format("{}s", static_cast<double>(retry_delay->count()) / 1000.0)}});
  }
  json::object err{{"code", code}, {"message", message}, {"status", status}};
  if (!details.empty()) err["details"] = std::move(details);
  return json::serialize(json::object{{"error", std::move(err)}});
}

}  // namespace cinestream::gemini
