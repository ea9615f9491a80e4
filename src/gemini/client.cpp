#include "cinestream/gemini/client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <random>

#include "cinestream/gemini/json_extract.hpp"
#include "cinestream/gemini/sse_parser.hpp"
#include "retry.hpp"

namespace cinestream::gemini {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string_view to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::invalid_request:
      return "invalid_request";
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::blocked:
      return "blocked";
    case ErrorKind::malformed:
      return "malformed";
    case ErrorKind::overloaded:
      return "overloaded";
    case ErrorKind::config:
      break;
  }
  return "config";
}

std::string json_instruction(const std::optional<json::value>& schema) {
  std::string out =
      "\n\nAnswer with JSON only: no prose before or after it, no Markdown code fences.";
  if (schema) out += " The JSON must match this JSON Schema:\n" + json::serialize(*schema);
  return out;
}

using detail::retryable_status;
using detail::timer_sleeper;

Client::Client(net::HttpClient& http, ClientOptions options, UsageMeter& meter,
               CallLimiter& limiter, Sleeper sleeper)
    : http_(http),
      options_(std::move(options)),
      model_(model_info(options_.model)),
      meter_(meter),
      limiter_(limiter),
      sleeper_(sleeper ? std::move(sleeper) : timer_sleeper()) {
  if (options_.prices) model_.prices = *options_.prices;
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

std::chrono::milliseconds Client::backoff(int attempt) const {
  return detail::jittered_backoff(options_.initial_backoff, options_.max_backoff, attempt);
}

asio::awaitable<CallResult> Client::generate(GenerateRequest request) {
  co_return co_await call(std::move(request), nullptr);
}

asio::awaitable<CallResult> Client::generate_stream(GenerateRequest request,
                                                    std::function<void(std::string_view)> on_text) {
  co_return co_await call(std::move(request), &on_text);
}

asio::awaitable<CallResult> Client::call(GenerateRequest request,
                                         std::function<void(std::string_view)>* on_text) {
  const bool structured = request.want_json && (!request.grounded || model_.grounding_with_schema);
  if (request.want_json && !structured) request.prompt += json_instruction(request.json_schema);
  const std::string body = json::serialize(build_request_body(request, model_));
  const bool stream = on_text != nullptr;
  const std::string url = fmt::format("{}/v1beta/models/{}:{}", options_.base_url, model_.name,
                                      stream ? "streamGenerateContent?alt=sse" : "generateContent");
  // For messages: never the key, never a query string.
  const std::string where =
      fmt::format("{} {}", model_.name, stream ? "stream" : "generateContent");

  const auto deadline = std::chrono::steady_clock::now() + options_.total_deadline;
  CallResult result;
  ErrorKind last_kind = ErrorKind::unavailable;
  int last_status = 0;
  std::string last_message;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    result.attempts = attempt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    net::HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.headers = {{"Content-Type", "application/json"}, {"x-goog-api-key", options_.api_key}};
    req.body = body;
    req.timeout = std::min(options_.attempt_timeout, left);

    std::optional<std::chrono::milliseconds> retry_after;
    bool delivered_text = false;
    if (billing_.before_attempt) co_await billing_.before_attempt();
    try {
      CallLimiter::Permit permit;
      try {
        permit = co_await limiter_.acquire();
      } catch (const std::length_error& e) {
        meter_.add_failure();
        throw GeminiError(ErrorKind::overloaded, 0, e.what());
      }
      net::HttpResponse res;
      GenerateResponse streamed;
      std::string raw;
      if (stream) {
        SseParser sse;
        auto on_chunk = [&](std::string_view bytes) {
          raw.append(bytes);
          sse.feed(bytes, [&](const std::string& data) {
            boost::system::error_code ec;
            auto v = json::parse(data, ec);
            if (ec) return;
            try {
              auto chunk = parse_response(v);
              merge_stream_chunk(streamed, chunk);
              if (!chunk.text.empty()) {
                delivered_text = true;
                (*on_text)(chunk.text);
              }
            } catch (const std::invalid_argument&) {
              // An error event inside the stream: the raw body is examined below.
            }
          });
        };
        res = co_await http_.request_stream(req, on_chunk);
        res.body = std::move(raw);
      } else {
        res = co_await http_.request(req);
      }
      permit.release();  // never hold a slot while waiting to retry

      if (res.status == 200) {
        GenerateResponse parsed;
        std::string unusable;  // why an answered attempt cannot be used (it is billed anyway)
        if (stream) {
          parsed = std::move(streamed);
        } else {
          boost::system::error_code ec;
          auto doc = json::parse(res.body, ec);
          if (ec) {
            unusable = "answer is not JSON";
          } else {
            try {
              parsed = parse_response(doc);
            } catch (const std::invalid_argument& e) {
              unusable = e.what();
            }
          }
        }
        if (unusable.empty() && !stream && parsed.text.empty() && parsed.finish_reason.empty() &&
            parsed.block_reason.empty() && parsed.usage.total_tokens == 0) {
          unusable = "answer has no candidates";
        }
        Usage u = parsed.usage;  // nothing when unreadable: then only the request fees
        u.calls = 1;
        u.grounded_calls = request.grounded ? 1 : 0;
        u.search_queries = static_cast<std::int64_t>(parsed.search_queries.size());
        u.cost_usd = estimate_cost(u, model_.prices);
        if (billing_.billed) co_await billing_.billed(u);
        if (!unusable.empty()) throw std::invalid_argument(unusable);
        result.response = std::move(parsed);
        result.usage = u;
        meter_.add(u);
        if (!result.response.block_reason.empty()) {
          throw GeminiError(
              ErrorKind::blocked, 200,
              fmt::format("Gemini blocked the prompt: {}", result.response.block_reason));
        }
        if (request.want_json) {
          if (auto extracted = extract_json(result.response.text)) {
            result.json = std::move(extracted->value);
            result.json_repaired = extracted->repaired;
          }
        }
        co_return result;
      }
      auto api = parse_error(res.body);
      last_status = static_cast<int>(res.status);
      last_message = api ? api->message : fmt::format("HTTP {}", res.status);
      if (!retryable_status(res.status)) {
        ErrorKind kind = detail::final_failure_kind(res.status, api);
        meter_.add_failure();
        throw GeminiError(kind, last_status,
                          fmt::format("Gemini {} answered {} {}: {}", where, res.status,
                                      api ? api->status : "", last_message));
      }
      last_kind = res.status == 429 ? ErrorKind::rate_limited : ErrorKind::unavailable;
      if (api && api->retry_delay) retry_after = *api->retry_delay;
    } catch (const net::HttpError& e) {
      if (e.kind() == net::HttpErrorKind::refused_plain_http ||
          e.kind() == net::HttpErrorKind::tls) {
        meter_.add_failure();
        throw GeminiError(ErrorKind::config, 0, fmt::format("Gemini {}: {}", where, e.what()));
      }
      last_kind =
          e.kind() == net::HttpErrorKind::timeout ? ErrorKind::timeout : ErrorKind::unavailable;
      last_status = 0;
      last_message = e.what();
    } catch (const std::invalid_argument& e) {
      last_kind = ErrorKind::malformed;
      last_status = 200;
      last_message = e.what();
    }
    // A stream that already showed text cannot be replayed without the caller seeing it twice.
    if (delivered_text || attempt == options_.max_attempts) break;
    auto wait = retry_after ? detail::retry_wait(retry_after, options_.initial_backoff,
                                                 options_.max_backoff, attempt)
                            : backoff(attempt);
    if (std::chrono::steady_clock::now() + wait >= deadline) break;
    spdlog::warn("gemini {} attempt {} failed ({}: {}); retrying in {} ms", where, attempt,
                 to_string(last_kind), last_message, wait.count());
    meter_.add_retry();
    co_await sleeper_(wait);
  }
  meter_.add_failure();
  throw GeminiError(
      last_kind, last_status,
      fmt::format("Gemini {} failed after {} attempts: {}", where, result.attempts, last_message));
}

}  // namespace cinestream::gemini
