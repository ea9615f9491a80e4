#pragma once
// Rendered API bodies kept per event loop (no lock: only its own thread touches it), each tagged
// with the city's data_version it was rendered from. A body is shared, never copied, and carries
// its gzip form and ETag, computed once.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cinestream/http/prebuilt.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream {

// The three answers a cached page can give.
enum class CachedVariant { json, gzip, not_modified };

struct CachedBody {
  std::shared_ptr<const std::string> json;
  std::shared_ptr<const std::string> gzip;  // null when not smaller
  std::string etag;
  // The same answers as response() gives, as header bytes built once (see http/prebuilt.hpp).
  http::PrebuiltResponse plain, gzipped, not_modified;

  // The answer as a handler returns it (JSON, no-cache, ETag, Vary when there is a gzip form).
  http::Response response(CachedVariant variant) const;
  const http::PrebuiltResponse& prebuilt(CachedVariant variant) const {
    return variant == CachedVariant::gzip           ? gzipped
           : variant == CachedVariant::not_modified ? not_modified
                                                    : plain;
  }
};

// Renders once: gzip, ETag and the header bytes of each variant included.
std::shared_ptr<const CachedBody> make_cached_body(std::string json);

class ResponseCache {
 public:
  explicit ResponseCache(std::size_t capacity) : capacity_(capacity) {}

  // The entry for `key` if it was rendered from `version`.
  std::shared_ptr<const CachedBody> find(const std::string& key, std::int64_t version) const;
  void put(std::string key, std::int64_t version, std::shared_ptr<const CachedBody> body);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::int64_t version;
    std::shared_ptr<const CachedBody> body;
  };
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
};

// Concurrent misses for one key, on any loop, compute once: the first miss (the leader) computes,
// the others wait for its result, which is handed to each on its own loop. A waiter whose leader
// takes longer than `wait_limit` computes for itself, so a stuck computation delays, never blocks.
class SingleFlight {
 public:
  using Result = std::shared_ptr<const CachedBody>;
  using Compute = std::function<boost::asio::awaitable<Result>()>;

  explicit SingleFlight(std::chrono::milliseconds wait_limit = std::chrono::seconds(30))
      : wait_limit_(wait_limit) {}

  // The result for `key` rendered from `version`: computed here, or awaited from a computation
  // of the same key and version already running. Exceptions reach every waiter.
  boost::asio::awaitable<Result> run(const std::string& key, std::int64_t version, Compute compute);
  // Computations started (leaders plus waiters that gave up waiting).
  std::uint64_t computations() const { return computations_.load(); }

 private:
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor ex) : wake(std::move(ex)) {}
    boost::asio::steady_timer wake;  // on the waiter's loop; the leader posts there
    bool done = false;
    Result result;
    std::exception_ptr error;
  };
  struct Flight {
    std::int64_t version;
    std::vector<std::shared_ptr<Waiter>> waiters;
  };
  static constexpr std::size_t kMaxWaiters = 10'000;  // bounded: more compute on their own

  std::chrono::milliseconds wait_limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;  // keys being computed
  std::atomic<std::uint64_t> computations_{0};
};

}  // namespace cinestream
