#pragma once
// Search's EmbeddingService over Gemini's embedding API (gemini/embeddings.hpp): documents with
// task RETRIEVAL_DOCUMENT under the client's full retry budget, a query with RETRIEVAL_QUERY under
// a short deadline (a search waits for it). Its HTTP client lives on one event loop; calls from
// any other loop hop there and back, so every loop's searches can use it.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>

#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/gemini/embeddings.hpp"
#include "cinestream/net/http_client.hpp"
#include "cinestream/search/embedding_service.hpp"

namespace cinestream::gemini_embeddings {

struct GeminiEmbeddingOptions {
  gemini::EmbeddingOptions client;
  // The whole of a query's embedding, retries included.
  std::chrono::milliseconds query_deadline{1'500};
};

class GeminiEmbeddingService final : public search::EmbeddingService {
 public:
  GeminiEmbeddingService(boost::asio::any_io_executor executor, GeminiEmbeddingOptions options);

  std::size_t dimensions() const override;
  boost::asio::awaitable<std::vector<std::vector<float>>> embed_documents(
      std::vector<std::string> texts) override;
  boost::asio::awaitable<std::vector<float>> embed_query(std::string text) override;

 private:
  boost::asio::any_io_executor executor_;
  net::HttpClient http_;
  gemini::CallLimiter limiter_;
  gemini::EmbeddingClient documents_;
  gemini::EmbeddingClient queries_;
};

}  // namespace cinestream::gemini_embeddings
