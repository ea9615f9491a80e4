#pragma once
// Posters are downloaded once per movie into the data directory, content-addressed
// (posters/<sha256>.<ext>), with a size limit and only real JPEG/PNG/WebP images accepted; the
// fetch refuses private, loopback and link-local addresses after DNS resolution unless allowed
// (demo and tests, whose stand-in serves posters on loopback).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cinestream/agent/scrape_store.hpp"
#include "cinestream/domain/poster_name.hpp"
#include "cinestream/net/http_client.hpp"
#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream::agent {

struct PosterOptions {
  std::string dir;  // <data-dir>/posters
  std::size_t max_bytes = 5 * 1024 * 1024;
  bool allow_private = false;   // any address (operators with posters on a private network)
  bool allow_loopback = false;  // the demo's stand-in; link-local and private ranges stay refused
  std::chrono::milliseconds timeout{15'000};
  BlockingPool* files = nullptr;  // the task processors' file pool; required
};

struct PosterStats {
  std::atomic<std::int64_t> downloaded{0}, refused{0}, failed{0};
};

// The image type from its first bytes ("jpg", "png", "webp"), or nullopt.
std::optional<std::string_view> image_extension(std::string_view bytes);

class PosterFetcher {
 public:
  PosterFetcher(boost::asio::any_io_executor executor, Async<ScrapeStore> store,
                PosterOptions options, PosterStats& stats);

  // Downloads the posters of the city's current movies that have none yet.
  boost::asio::awaitable<void> fetch_city(std::string city_id);
  // One poster: the served path ("/posters/<hash>.<ext>") or nullopt when refused or failed.
  boost::asio::awaitable<std::optional<std::string>> fetch(const std::string& url);

 private:
  net::HttpClient http_;
  Async<ScrapeStore> store_;
  PosterOptions options_;
  PosterStats& stats_;
};

}  // namespace cinestream::agent
