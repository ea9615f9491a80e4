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
#include "cinestream/search/search_index.hpp"

namespace cinestream::search {

struct SearchOptions {
  std::chrono::milliseconds refresh_interval{30'000};
  std::size_t max_films = 50'000;  // the most films one index holds
};

struct FoundFilm {
  catalog::Film film;
  bool playing_in_city = false;
};

// The text of a film that search and content similarity see: its titles, genres and overviews.
Document document_of(const catalog::Film& f);

class SearchService {
 public:
  SearchService(catalog::CatalogService& films, BlockingPool& cpu, const Embedder& embedder,
                SearchOptions options);

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
    std::shared_ptr<const SearchIndex> index;
    std::unordered_map<std::int64_t, catalog::Film> films;
  };
  std::shared_ptr<const Snapshot> snapshot() const;

  catalog::CatalogService& films_;
  BlockingPool& cpu_;
  const Embedder& embedder_;
  SearchOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::int64_t> builds_{0}, build_failures_{0}, searches_{0};
};

}  // namespace cinestream::search
