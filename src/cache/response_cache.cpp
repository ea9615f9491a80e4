#include "cinestream/cache/response_cache.hpp"

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
  return body;
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

}  // namespace cinestream
