#pragma once
// Rendered API bodies kept per event loop (no lock: only its own thread touches it), each tagged
// with the city's data_version it was rendered from. A body is shared, never copied, and carries
// its gzip form and ETag, computed once.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

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

}  // namespace cinestream
