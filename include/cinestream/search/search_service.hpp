#pragma once
// Search as the routes see it: an index over the whole catalogue (titles in every script, genres,
// overviews), rebuilt on the CPU pool every refresh interval and swapped in whole, queried with
// the films playing in the visitor's city first.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/search/embedder.hpp"
#include "cinestream/search/embedding_service.hpp"
#include "cinestream/search/search_index.hpp"
#include "cinestream/search/vector_cache.hpp"

namespace cinestream::search {

struct SearchOptions {
  std::chrono::milliseconds refresh_interval{30'000};
  std::size_t max_films = 50'000;  // the most films one index holds
  // With a remote EmbeddingService: texts sent to it per refresh at most (the rest wait for the
  // next one). A query's embedding is bounded by the service's own deadline.
  std::size_t max_new_embeddings = 2'000;
};

struct FoundFilm {
  catalog::Film film;
  bool playing_in_city = false;
};

// The text of a film that search and content similarity see: its titles, genres and overviews.
Document document_of(const catalog::Film& f);

class SearchService {
 public:
  // `embedder` computes vectors locally; with `remote` (may be null) vectors come from that
  // service instead and `embedder` is not used.
  SearchService(catalog::CatalogService& films, BlockingPool& cpu, const Embedder& embedder,
                EmbeddingService* remote, SearchOptions options);

  // Reads every film (db pool), builds the index (CPU pool), swaps it in.
  boost::asio::awaitable<void> refresh();
  // refresh() now and every refresh_interval; a failure keeps the previous index.
  boost::asio::awaitable<void> run();

  // Films for the query, those playing in `city` (when given) first. The query is validated by
  // the route (validate_query).
  boost::asio::awaitable<std::vector<FoundFilm>> search(std::string query, std::string city,
                                                        std::size_t limit);
  // Films whose titles start with `prefix`, for suggestions as the visitor types.
  std::vector<catalog::Film> suggest(std::string_view prefix, std::size_t limit) const;

  std::string render_metrics() const;
  const Embedder& embedder() const { return embedder_; }

 private:
  struct Snapshot {
    std::shared_ptr<const Embedder> vectors;  // what the index embeds with (outlives it)
    std::shared_ptr<const SearchIndex> index;
    std::unordered_map<std::int64_t, catalog::Film> films;
  };
  std::shared_ptr<const Snapshot> snapshot() const;

  catalog::CatalogService& films_;
  BlockingPool& cpu_;
  const Embedder& embedder_;
  EmbeddingService* remote_;
  SearchOptions options_;
  VectorCache cache_;  // the remote service's vectors; touched by refresh() only
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::int64_t> builds_{0}, build_failures_{0}, searches_{0};
  std::atomic<std::int64_t> embedded_{0}, embed_failures_{0}, query_embed_failures_{0};
};

}  // namespace cinestream::search
