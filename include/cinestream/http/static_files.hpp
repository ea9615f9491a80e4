#pragma once
// The web/ directory, loaded once at start-up into memory with its ETag, Last-Modified and a
// gzip copy of text files, so serving a file costs no disk I/O on an io thread.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cinestream/http/request_context.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::http {

struct StaticFile {
  std::shared_ptr<const std::string> body;
  std::shared_ptr<const std::string> gzip_body;  // null when not worth it
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string cache_control;
};

class StaticFiles {
 public:
  // Reads every regular file under `root` (blocking: call before serving). A missing root gives an
  // empty set and a warning.
  static StaticFiles load(const std::string& root);

  bool empty() const { return files_.empty(); }
  // nullptr when the path is not a file we serve. "/" and "/dir/" map to index.html.
  const StaticFile* find(std::string_view path) const;
  // 200 (gzip when accepted), 304 when If-None-Match or If-Modified-Since match.
  Response serve(const StaticFile& file, const Request& req) const;

 private:
  std::unordered_map<std::string, StaticFile> files_;
};

std::string content_type_for(std::string_view path);

}  // namespace cinestream::http
