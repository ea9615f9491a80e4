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

}  // namespace cinestream
