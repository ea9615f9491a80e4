#pragma once
// The Gemini client used by the agent: generateContent (and its SSE stream) over HTTPS, with a
// per-attempt deadline, a process-wide bound on calls in flight, retries with exponential backoff
// and jitter on 429/500/503/504 and lost connections (honouring RetryInfo.retryDelay), immediate
// failure with the service's own message on 400/403/404, JSON answers per model capability, and
// token/cost accounting. The API key travels only in the x-goog-api-key header: it is never put
// in a URL, a log line, an error message or /metrics.
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/gemini/model.hpp"
#include "cinestream/gemini/protocol.hpp"
#include "cinestream/gemini/usage.hpp"
#include "cinestream/net/http_client.hpp"

namespace cinestream::gemini {

enum class ErrorKind {
  invalid_request,  // 400 other than a bad key: fix the request, do not retry
  auth,             // bad or missing key (400 API_KEY_INVALID, 403)
  not_found,        // unknown model or method (404)
  rate_limited,     // 429 after every retry
  unavailable,      // 5xx or lost connections after every retry
  timeout,          // the deadline passed
  blocked,          // the prompt or answer was blocked (promptFeedback, SAFETY)
  malformed,        // 200 but not a Gemini response
  overloaded,       // too many calls waiting locally
  config,           // e.g. plain HTTP to a non-loopback address, TLS failure
};
std::string_view to_string(ErrorKind k);

class GeminiError : public std::runtime_error {
 public:
  GeminiError(ErrorKind kind, int http_status, const std::string& message)
      : std::runtime_error(message), kind_(kind), http_status_(http_status) {}
  ErrorKind kind() const { return kind_; }
  int http_status() const { return http_status_; }

 private:
  ErrorKind kind_;
  int http_status_;
};

struct ClientOptions {
  std::string base_url = "https://generativelanguage.googleapis.com";
  std::string api_key;
  std::string model = "gemini-2.5-flash";
  std::chrono::milliseconds attempt_timeout{90'000};
  std::chrono::milliseconds total_deadline{300'000};  // all attempts and waits of one call
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{1'000};
  std::chrono::milliseconds max_backoff{60'000};
  std::optional<Prices> prices;  // default: the model's
};

struct CallResult {
  GenerateResponse response;
  // When JSON was asked for: the value found in the answer, and whether it was cut short.
  std::optional<boost::json::value> json;
  bool json_repaired = false;
  Usage usage;  // this call's tokens and estimated cost
  int attempts = 0;
};

// Accounting for what the service bills: Google bills every attempt it answers with 200 (an
// answer cut by MAX_TOKENS, malformed or later rejected included) and nothing for errors (429,
// 5xx). Both hooks are optional.
struct Billing {
  // Before each attempt; throws to refuse it (e.g. the daily budget is spent).
  std::function<boost::asio::awaitable<void>()> before_attempt;
  // After each billed attempt, with the usage it reported (none readable: the request fees).
  std::function<boost::asio::awaitable<void>(const Usage&)> billed;
};

// How the client waits between attempts; tests substitute one that records and returns at once.
using Sleeper = std::function<boost::asio::awaitable<void>(std::chrono::milliseconds)>;

class Client {
 public:
  Client(net::HttpClient& http, ClientOptions options, UsageMeter& meter, CallLimiter& limiter,
         Sleeper sleeper = {});

  boost::asio::awaitable<CallResult> generate(GenerateRequest request);
  // Streams answer text to on_text as it arrives; the result holds the whole answer.
  boost::asio::awaitable<CallResult> generate_stream(GenerateRequest request,
                                                     std::function<void(std::string_view)> on_text);

  // Set before the first call.
  void set_billing(Billing billing) { billing_ = std::move(billing); }

  const ModelInfo& model() const { return model_; }
  const ClientOptions& options() const { return options_; }

 private:
  boost::asio::awaitable<CallResult> call(GenerateRequest request,
                                          std::function<void(std::string_view)>* on_text);
  std::chrono::milliseconds backoff(int attempt) const;

  net::HttpClient& http_;
  ClientOptions options_;
  ModelInfo model_;
  UsageMeter& meter_;
  CallLimiter& limiter_;
  Sleeper sleeper_;
  Billing billing_;
};

// The instruction added to a prompt when JSON cannot be enforced with a schema.
std::string json_instruction(const std::optional<boost::json::value>& schema);

}  // namespace cinestream::gemini
