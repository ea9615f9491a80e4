#include "cinestream/cache/response_cache.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cinestream/http/encoding.hpp"

namespace cinestream {

std::shared_ptr<const CachedBody> make_cached_body(std::string json) {
  auto body = std::make_shared<CachedBody>();
  body->etag = http::make_etag(json);
  if (json.size() > 512) {
    auto gz = http::gzip_compress(json, 6);
    if (gz.size() < json.size()) body->gzip = std::make_shared<const std::string>(std::move(gz));
  }
  body->json = std::make_shared<const std::string>(std::move(json));
  body->plain = http::prebuild(body->response(CachedVariant::json));
  if (body->gzip) body->gzipped = http::prebuild(body->response(CachedVariant::gzip));
  body->not_modified = http::prebuild(body->response(CachedVariant::not_modified));
  return body;
}

http::Response CachedBody::response(CachedVariant variant) const {
  namespace bh = boost::beast::http;
  if (variant == CachedVariant::not_modified) {
    http::Response res{http::Status::not_modified, 11};
    res.set(bh::field::etag, etag);
    res.set(bh::field::cache_control, "no-cache");
    return res;
  }
  bool use_gzip = variant == CachedVariant::gzip && gzip;
  http::Response res = http::make_response(http::Status::ok, "application/json; charset=utf-8",
                                           use_gzip ? gzip : json);
  if (use_gzip) res.set(bh::field::content_encoding, "gzip");
  if (gzip) res.set(bh::field::vary, "Accept-Encoding");
  res.set(bh::field::etag, etag);
  // Clients revalidate with the ETag: cheap 304s, never stale showtimes.
  res.set(bh::field::cache_control, "no-cache");
  return res;
}

std::shared_ptr<const CachedBody> ResponseCache::find(const std::string& key,
                                                      std::int64_t version) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.version != version) return nullptr;
  return it->second.body;
}

void ResponseCache::put(std::string key, std::int64_t version,
                        std::shared_ptr<const CachedBody> body) {
  // Bounded: when full, drop an arbitrary entry (old dates and versions are the common case).
  if (entries_.size() >= capacity_ && !entries_.contains(key)) entries_.erase(entries_.begin());
  entries_[std::move(key)] = Entry{version, std::move(body)};
}

boost::asio::awaitable<SingleFlight::Result> SingleFlight::run(const std::string& key,
                                                               std::int64_t version,
                                                               Compute compute) {
  namespace asio = boost::asio;
  auto ex = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  std::shared_ptr<Flight> flight;
  {
    std::lock_guard lock(mutex_);
    auto it = flights_.find(key);
    if (it == flights_.end()) {
      flight = std::make_shared<Flight>(Flight{version, {}});
      flights_.emplace(key, flight);
    } else if (it->second->version == version && it->second->waiters.size() < kMaxWaiters) {
      waiter = std::make_shared<Waiter>(ex);
      it->second->waiters.push_back(waiter);
    }
    // else: a computation for another version (or a full queue): compute alone, unshared.
  }
  if (waiter) {
    // Registered and waiting without a suspension in between, and the leader's completion runs
    // on this loop, so the wake-up cannot be missed.
    waiter->wake.expires_after(wait_limit_);
    co_await waiter->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    if (waiter->done) {
      if (waiter->error) std::rethrow_exception(waiter->error);
      co_return waiter->result;
    }
    ++computations_;  // the leader is too slow: compute for ourselves
    co_return co_await compute();
  }
  ++computations_;
  if (!flight) co_return co_await compute();
  Result result;
  std::exception_ptr error;
  try {
    result = co_await compute();
  } catch (...) {
    error = std::current_exception();
  }
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    waiters = std::move(flight->waiters);
    if (auto it = flights_.find(key); it != flights_.end() && it->second == flight)
      flights_.erase(it);
  }
  for (auto& w : waiters) {
    asio::post(w->wake.get_executor(), [w, result, error] {
      w->done = true;
      w->result = result;
      w->error = error;
      w->wake.cancel();
    });
  }
  if (error) std::rethrow_exception(error);
  co_return result;
}

}  // namespace cinestream
