#include "cinestream/gemini_embeddings/gemini_embedding_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cinestream::gemini_embeddings {
namespace asio = boost::asio;

namespace {

gemini::EmbeddingOptions for_queries(gemini::EmbeddingOptions o,
                                     std::chrono::milliseconds deadline) {
  o.total_deadline = deadline;
  o.attempt_timeout = deadline;
  o.max_attempts = 2;
  o.initial_backoff = std::chrono::milliseconds(100);
  o.max_backoff = std::chrono::milliseconds(200);
  return o;
}

}  // namespace

GeminiEmbeddingService::GeminiEmbeddingService(asio::any_io_executor executor,
                                               GeminiEmbeddingOptions options)
    : executor_(executor),
      http_(executor),
      limiter_(4),
      documents_(http_, options.client, limiter_),
      queries_(http_, for_queries(options.client, options.query_deadline), limiter_) {}

std::size_t GeminiEmbeddingService::dimensions() const {
  return static_cast<std::size_t>(documents_.options().dimensions);
}

asio::awaitable<std::vector<std::vector<float>>> GeminiEmbeddingService::embed_documents(
    std::vector<std::string> texts) {
  auto call = documents_.embed(std::move(texts), gemini::EmbedTask::retrieval_document);
  co_return co_await asio::co_spawn(executor_, std::move(call), asio::use_awaitable);
}

asio::awaitable<std::vector<float>> GeminiEmbeddingService::embed_query(std::string text) {
  std::vector<std::string> one{std::move(text)};
  auto call = queries_.embed(std::move(one), gemini::EmbedTask::retrieval_query);
  auto vectors = co_await asio::co_spawn(executor_, std::move(call), asio::use_awaitable);
  if (vectors.empty()) co_return std::vector<float>{};
  co_return std::move(vectors.front());
}

}  // namespace cinestream::gemini_embeddings
