#pragma once
// Gemini's embedding API: POST {base}/v1beta/models/{model}:batchEmbedContents with up to 100
// texts a call, header x-goog-api-key, each text with a task type and an outputDimensionality;
// the answer's vectors come back in request order. Below the model's full size (3072) the
// service does not normalise them: embed() returns unit vectors always. Retries 429 (honouring
// RetryInfo), 5xx and lost connections with jittered backoff inside a deadline, like Client.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/gemini/client.hpp"
#include "cinestream/net/http_client.hpp"

namespace cinestream::gemini {

enum class EmbedTask { retrieval_document, retrieval_query, semantic_similarity };
std::string_view to_string(EmbedTask t);  // RETRIEVAL_DOCUMENT, ...

inline constexpr std::size_t kMaxEmbedBatch = 100;

struct EmbeddingOptions {
  std::string base_url = "https://generativelanguage.googleapis.com";
  std::string api_key;
  std::string model = "gemini-embedding-001";
  int dimensions = 768;
  std::chrono::milliseconds attempt_timeout{30'000};
  std::chrono::milliseconds total_deadline{120'000};
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{1'000};
  std::chrono::milliseconds max_backoff{30'000};
};

// {"requests": [{"model": "models/M", "content": {"parts": [{"text": ...}]}, "taskType": ...,
// "outputDimensionality": N}, ...]}
boost::json::object build_batch_embed_body(std::string_view model,
                                           std::span<const std::string> texts, EmbedTask task,
                                           int dimensions);
// The vectors of a batchEmbedContents answer, each scaled to unit length; std::invalid_argument
// unless it holds exactly `expected` vectors of `dimensions` finite numbers.
std::vector<std::vector<float>> parse_batch_embed_response(const boost::json::value& body,
                                                           std::size_t expected, int dimensions);

class EmbeddingClient {
 public:
  EmbeddingClient(net::HttpClient& http, EmbeddingOptions options, CallLimiter& limiter,
                  Sleeper sleeper = {});

  // One unit vector per text, in order; batches of kMaxEmbedBatch. GeminiError on failure.
  boost::asio::awaitable<std::vector<std::vector<float>>> embed(std::vector<std::string> texts,
                                                                EmbedTask task);

  const EmbeddingOptions& options() const { return options_; }
  std::int64_t calls() const { return calls_; }

 private:
  boost::asio::awaitable<std::vector<std::vector<float>>> embed_batch(
      std::span<const std::string> texts, EmbedTask task);

  net::HttpClient& http_;
  EmbeddingOptions options_;
  CallLimiter& limiter_;
  Sleeper sleeper_;
  std::int64_t calls_ = 0;
};

}  // namespace cinestream::gemini
