#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cmath>

#include "cinestream/gemini/embeddings.hpp"
#include "retry.hpp"

namespace cinestream::gemini {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string_view to_string(EmbedTask t) {
  switch (t) {
    case EmbedTask::retrieval_query:
      return "RETRIEVAL_QUERY";
    case EmbedTask::semantic_similarity:
      return "SEMANTIC_SIMILARITY";
    case EmbedTask::retrieval_document:
      break;
  }
  return "RETRIEVAL_DOCUMENT";
}

json::object build_batch_embed_body(std::string_view model, std::span<const std::string> texts,
                                    EmbedTask task, int dimensions) {
  json::array requests;
  requests.reserve(texts.size());
  auto name = fmt::format("models/{}", model);
  for (const auto& text : texts) {
    requests.push_back(json::object{
        {"model", name},
        {"content", json::object{{"parts", json::array{json::object{{"text", text}}}}}},
        {"taskType", to_string(task)},
        {"outputDimensionality", dimensions}});
  }
  return {{"requests", std::move(requests)}};
}

std::vector<std::vector<float>> parse_batch_embed_response(const json::value& body,
                                                           std::size_t expected, int dimensions) {
  const auto* list = body.is_object() ? body.as_object().if_contains("embeddings") : nullptr;
  if (!list || !list->is_array()) throw std::invalid_argument("answer has no embeddings");
  if (list->as_array().size() != expected)
    throw std::invalid_argument(
        fmt::format("answer has {} embeddings for {} texts", list->as_array().size(), expected));
  std::vector<std::vector<float>> out;
  out.reserve(expected);
  for (const auto& e : list->as_array()) {
    const auto* values = e.is_object() ? e.as_object().if_contains("values") : nullptr;
    if (!values || !values->is_array() ||
        values->as_array().size() != static_cast<std::size_t>(dimensions))
      throw std::invalid_argument(fmt::format("an embedding is not {} numbers", dimensions));
    std::vector<float> v;
    v.reserve(values->as_array().size());
    double norm = 0;
    for (const auto& x : values->as_array()) {
      if (!x.is_number()) throw std::invalid_argument("an embedding holds a non-number");
      auto d = x.to_number<double>();
      if (!std::isfinite(d)) throw std::invalid_argument("an embedding holds a non-finite number");
      norm += d * d;
      v.push_back(static_cast<float>(d));
    }
    if (norm <= 0) throw std::invalid_argument("an embedding is all zeros");
    auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& x : v)
      x *= scale;
    out.push_back(std::move(v));
  }
  return out;
}

EmbeddingClient::EmbeddingClient(net::HttpClient& http, EmbeddingOptions options,
                                 CallLimiter& limiter, Sleeper sleeper)
    : http_(http),
      options_(std::move(options)),
      limiter_(limiter),
      sleeper_(sleeper ? std::move(sleeper) : detail::timer_sleeper()) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

asio::awaitable<std::vector<std::vector<float>>> EmbeddingClient::embed(
    std::vector<std::string> texts, EmbedTask task) {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (std::size_t at = 0; at < texts.size(); at += kMaxEmbedBatch) {
    auto n = std::min(kMaxEmbedBatch, texts.size() - at);
    std::span<const std::string> batch(texts.data() + at, n);
    auto vectors = co_await embed_batch(batch, task);
    for (auto& v : vectors)
      out.push_back(std::move(v));
  }
  co_return out;
}

asio::awaitable<std::vector<std::vector<float>>> EmbeddingClient::embed_batch(
    std::span<const std::string> texts, EmbedTask task) {
  const std::string body =
      json::serialize(build_batch_embed_body(options_.model, texts, task, options_.dimensions));
  const std::string url =
      fmt::format("{}/v1beta/models/{}:batchEmbedContents", options_.base_url, options_.model);
  const auto deadline = std::chrono::steady_clock::now() + options_.total_deadline;
  ErrorKind last_kind = ErrorKind::unavailable;
  int last_status = 0;
  std::string last_message;
  int attempt = 1;
  for (; attempt <= options_.max_attempts; ++attempt) {
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
    try {
      CallLimiter::Permit permit;
      try {
        permit = co_await limiter_.acquire();
      } catch (const std::length_error& e) {
        throw GeminiError(ErrorKind::overloaded, 0, e.what());
      }
      ++calls_;
      auto res = co_await http_.request(req);
      permit.release();  // never hold a slot while waiting to retry
      if (res.status == 200) {
        boost::system::error_code ec;
        auto doc = json::parse(res.body, ec);
        if (ec) throw std::invalid_argument("answer is not JSON");
        co_return parse_batch_embed_response(doc, texts.size(), options_.dimensions);
      }
      auto api = parse_error(res.body);
      last_status = static_cast<int>(res.status);
      last_message = api ? api->message : fmt::format("HTTP {}", res.status);
      if (!detail::retryable_status(res.status)) {
        throw GeminiError(
            detail::final_failure_kind(res.status, api), last_status,
            fmt::format("Gemini {} batchEmbedContents answered {} {}: {}", options_.model,
                        res.status, api ? api->status : "", last_message));
      }
      last_kind = res.status == 429 ? ErrorKind::rate_limited : ErrorKind::unavailable;
      if (api && api->retry_delay) retry_after = *api->retry_delay;
    } catch (const net::HttpError& e) {
      if (e.kind() == net::HttpErrorKind::refused_plain_http ||
          e.kind() == net::HttpErrorKind::tls) {
        throw GeminiError(ErrorKind::config, 0, fmt::format("Gemini embeddings: {}", e.what()));
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
    if (attempt == options_.max_attempts) break;
    auto wait =
        detail::retry_wait(retry_after, options_.initial_backoff, options_.max_backoff, attempt);
    if (std::chrono::steady_clock::now() + wait >= deadline) break;
    spdlog::warn("gemini embeddings attempt {} failed ({}: {}); retrying in {} ms", attempt,
                 to_string(last_kind), last_message, wait.count());
    co_await sleeper_(wait);
  }
  throw GeminiError(last_kind, last_status,
                    fmt::format("Gemini embeddings failed after {} attempts: {}",
                                std::min(attempt, options_.max_attempts), last_message));
}

}  // namespace cinestream::gemini
