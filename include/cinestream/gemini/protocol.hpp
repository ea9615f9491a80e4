#pragma once
// The Gemini REST protocol (v1beta generateContent), as data: what we send, what comes back, and
// the service's error bodies. Pure functions, shared by the client and the local stand-in.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/gemini/model.hpp"
#include "cinestream/gemini/usage.hpp"

namespace cinestream::gemini {

struct GenerateRequest {
  std::string system_instruction;
  std::string prompt;
  bool grounded = false;  // tools: [{google_search: {}}]
  // Ask for JSON. With a schema on models that allow it alongside grounding, the service enforces
  // it; otherwise the prompt asks for JSON and the answer is extracted from the text.
  bool want_json = false;
  std::optional<boost::json::value> json_schema;  // JSON Schema (responseJsonSchema)
  double temperature = 0.1;
  int max_output_tokens = 8192;
  std::optional<int> thinking_budget;  // 0 turns thinking off on flash
};

struct GroundingChunk {
  std::string uri;
  std::string title;
};

struct GenerateResponse {
  std::string text;           // answer parts joined; thought parts excluded
  std::string finish_reason;  // STOP, MAX_TOKENS, SAFETY, ...
  std::string block_reason;   // promptFeedback.blockReason when the prompt was blocked
  std::vector<std::string> search_queries;
  std::vector<GroundingChunk> grounding_chunks;
  Usage usage;  // token counts from usageMetadata (cost filled in by the client)
  std::string model_version;
  std::string response_id;
};

// The request body for `model`. When the model cannot combine grounding with a schema, the schema
// is left out and the caller's prompt must ask for JSON (the client does that).
boost::json::object build_request_body(const GenerateRequest& request, const ModelInfo& model);

// Parses a generateContent response (or one SSE event of a stream). Throws std::invalid_argument
// when the body is not a Gemini response.
GenerateResponse parse_response(const boost::json::value& body);
// Folds one streamed chunk into the running response (text appended, last usage wins).
void merge_stream_chunk(GenerateResponse& into, const GenerateResponse& chunk);

// An error answered by the service: {"error": {"code", "message", "status", "details"}}.
struct ApiError {
  int code = 0;         // HTTP status
  std::string status;   // INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...
  std::string message;  // the service's own words
  std::string reason;   // ErrorInfo.reason, e.g. API_KEY_INVALID
  std::optional<std::chrono::milliseconds> retry_delay;  // RetryInfo.retryDelay
};
// nullopt when the body is not an error document.
std::optional<ApiError> parse_error(std::string_view body);
// "26s", "1.5s", "0.250s" -> milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s);

// The JSON body of an error as the service sends it (used by the stand-in).
std::string error_body(int code, std::string_view status, std::string_view message,
                       std::string_view reason = {},
                       std::optional<std::chrono::milliseconds> retry_delay = {});

}  // namespace cinestream::gemini
