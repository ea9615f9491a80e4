#include "cinestream/search/search_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_set>

namespace cinestream::search {
namespace asio = boost::asio;

Document document_of(const catalog::Film& f) {
  Document d;
  d.film = f.id;
  for (const auto* t : {&f.title.original, &f.title.en, &f.title.uk, &f.title.ru})
    if (!t->empty()) d.titles.push_back(*t);
  d.genres = f.genres;
  for (const auto* o : {&f.overview.en, &f.overview.ua, &f.overview.ru})
    if (!o->empty()) d.overviews.push_back(*o);
  d.year = f.year;
  return d;
}

SearchService::SearchService(catalog::CatalogService& films, BlockingPool& cpu,
                             const Embedder& embedder, EmbeddingService* remote,
                             SearchOptions options)
    : films_(films),
      cpu_(cpu),
      embedder_(embedder),
      remote_(remote),
      options_(std::move(options)),
      cache_(remote ? remote->dimensions() : embedder.dimensions()),
      snapshot_(
          std::make_shared<Snapshot>(Snapshot{nullptr, SearchIndex::build({}, embedder), {}})) {}

std::shared_ptr<const SearchService::Snapshot> SearchService::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

asio::awaitable<void> SearchService::refresh() {
  catalog::FilmQuery all;
  all.limit = options_.max_films;
  auto films = (co_await films_.list(std::move(all), std::string{})).films;
  std::vector<Document> docs;
  docs.reserve(films.size());
  for (const auto& f : films)
    docs.push_back(document_of(f));
  std::shared_ptr<const Embedder> vectors;
  if (remote_) {
    std::vector<std::string> texts;
    for (const auto& d : docs)
      for (auto& t : embedding_texts(d))
        texts.push_back(std::move(t));
    auto missing = cache_.missing(texts);
    if (missing.size() > options_.max_new_embeddings) missing.resize(options_.max_new_embeddings);
    if (!missing.empty()) {
      try {
        auto got = co_await remote_->embed_documents(missing);
        for (std::size_t i = 0; i < missing.size() && i < got.size(); ++i)
          cache_.put(missing[i], std::move(got[i]));
        embedded_ += static_cast<std::int64_t>(std::min(missing.size(), got.size()));
      } catch (const std::exception& e) {
        // The index is built with what is known; those texts are asked for again next time.
        ++embed_failures_;
        spdlog::warn("search: embedding {} texts failed ({})", missing.size(), e.what());
      }
    }
    cache_.retain(texts);
    vectors = std::make_shared<const VectorCache>(cache_);
  }
  const Embedder* embedder = vectors ? vectors.get() : &embedder_;
  auto build = [docs = std::move(docs), films = std::move(films), embedder, vectors]() mutable {
    auto next = std::make_shared<Snapshot>();
    next->vectors = vectors;
    next->index = SearchIndex::build(std::move(docs), *embedder);
    for (auto& f : films) {
      auto id = f.id;
      next->films.emplace(id, std::move(f));
    }
    return std::shared_ptr<const Snapshot>(std::move(next));
  };
  auto built = co_await cpu_.run(std::move(build));
  {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(built);
  }
  ++builds_;
}

asio::awaitable<void> SearchService::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    try {
      co_await refresh();
    } catch (const std::exception& e) {
      ++build_failures_;
      spdlog::warn("search: index refresh failed ({}); keeping the previous one", e.what());
    }
    timer.expires_after(options_.refresh_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<std::vector<FoundFilm>> SearchService::search(std::string query, std::string city,
                                                              std::size_t limit) {
  ++searches_;
  std::vector<std::int64_t> playing;
  if (!city.empty()) {
    catalog::FilmQuery q;
    q.limit = options_.max_films;
    auto page = co_await films_.list(std::move(q), std::move(city));
    for (const auto& f : page.films)
      playing.push_back(f.id);
    std::sort(playing.begin(), playing.end());
  }
  auto snap = snapshot();
  std::vector<float> vector;
  bool remote = remote_ != nullptr;
  if (remote) {
    // A search whose query cannot be embedded (the service is down, slow past its deadline)
    // goes on lexically.
    try {
      auto text = query;
      vector = co_await remote_->embed_query(std::move(text));
    } catch (const std::exception& e) {
      ++query_embed_failures_;
      spdlog::debug("search: query embedding failed ({})", e.what());
    }
  }
  // A query embedding and a pass over every vector: milliseconds of CPU at 10,000 films, so on
  // the CPU pool rather than holding up the other requests of this event loop.
  auto run = [snap, query = std::move(query), vector = std::move(vector), remote, limit,
              playing]() {
    if (remote) return snap->index->search(query, vector, limit, SearchIndex::Mode::fused, playing);
    return snap->index->search(query, limit, SearchIndex::Mode::fused, playing);
  };
  auto hits = co_await cpu_.run(std::move(run));
  std::vector<FoundFilm> out;
  out.reserve(hits.size());
  for (const auto& h : hits) {
    auto it = snap->films.find(h.film);
    if (it == snap->films.end()) continue;
    out.push_back({it->second, std::binary_search(playing.begin(), playing.end(), h.film)});
  }
  co_return out;
}

std::vector<catalog::Film> SearchService::suggest(std::string_view prefix,
                                                  std::size_t limit) const {
  auto snap = snapshot();
  std::vector<catalog::Film> out;
  for (const auto& h : snap->index->suggest(prefix, limit)) {
    auto it = snap->films.find(h.film);
    if (it != snap->films.end()) out.push_back(it->second);
  }
  return out;
}

std::string SearchService::render_metrics() const {
  auto snap = snapshot();
  return fmt::format(
      "# HELP cinestream_search_index_builds_total Search indexes built.\n"
      "# TYPE cinestream_search_index_builds_total counter\n"
      "cinestream_search_index_builds_total {}\n"
      "# HELP cinestream_search_index_build_failures_total Index refreshes that failed.\n"
      "# TYPE cinestream_search_index_build_failures_total counter\n"
      "cinestream_search_index_build_failures_total {}\n"
      "# HELP cinestream_search_queries_total Searches answered.\n"
      "# TYPE cinestream_search_queries_total counter\n"
      "cinestream_search_queries_total {}\n"
      "# HELP cinestream_search_index_films Films in the current index.\n"
      "# TYPE cinestream_search_index_films gauge\n"
      "cinestream_search_index_films {}\n"
      "# HELP cinestream_search_index_bytes Memory the current index holds.\n"
      "# TYPE cinestream_search_index_bytes gauge\n"
      "cinestream_search_index_bytes {}\n"
      "# HELP cinestream_search_texts_embedded_total Texts a remote service embedded for the "
      "index.\n"
      "# TYPE cinestream_search_texts_embedded_total counter\n"
      "cinestream_search_texts_embedded_total {}\n"
      "# HELP cinestream_search_embedding_failures_total Failed embedding calls (index, query).\n"
      "# TYPE cinestream_search_embedding_failures_total counter\n"
      "cinestream_search_embedding_failures_total{{for=\"index\"}} {}\n"
      "cinestream_search_embedding_failures_total{{for=\"query\"}} {}\n",
      builds_.load(), build_failures_.load(), searches_.load(), snap->films.size(),
      snap->index->memory_bytes(), embedded_.load(), embed_failures_.load(),
      query_embed_failures_.load());
}

}  // namespace cinestream::search
