#pragma once
// Embeddings from a remote service (Gemini's embedding API in production), awaited rather than
// computed: documents in batches while the index is refreshed, one query per search. The
// search feature keeps what it got (vector_cache.hpp), so a film's texts are embedded again only
// when they change.
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace cinestream::search {

class EmbeddingService {
 public:
  virtual ~EmbeddingService() = default;
  virtual std::size_t dimensions() const = 0;
  // One unit vector per text, in order; throws when the service fails.
  virtual boost::asio::awaitable<std::vector<std::vector<float>>> embed_documents(
      std::vector<std::string> texts) = 0;
  virtual boost::asio::awaitable<std::vector<float>> embed_query(std::string text) = 0;
};

}  // namespace cinestream::search
