#include "cinestream/http/static_files.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cinestream/http/encoding.hpp"

namespace cinestream::http {
namespace fs = std::filesystem;

std::string content_type_for(std::string_view path) {
  auto dot = path.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "json") return "application/json; charset=utf-8";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "woff2") return "font/woff2";
  return "application/octet-stream";
}

StaticFiles StaticFiles::load(const std::string& root) {
  StaticFiles out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    spdlog::warn("web directory '{}' not found: static files disabled", root);
    return out;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    auto bytes = std::make_shared<const std::string>(buf.str());
    auto rel = "/" + fs::relative(entry.path(), root).generic_string();
    StaticFile f;
    f.content_type = content_type_for(rel);
    f.etag = make_etag(*bytes);
    auto mtime = std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::file_clock::to_sys(entry.last_write_time()));
    f.last_modified = format_http_date(mtime);
    // HTML is revalidated each time so a deploy shows at once; assets are cached for an hour.
    f.cache_control = rel.ends_with(".html") ? "no-cache" : "public, max-age=3600";
    if (is_compressible(f.content_type) && bytes->size() > 256) {
      auto gz = gzip_compress(*bytes, 9);
      if (gz.size() < bytes->size())
        f.gzip_body = std::make_shared<const std::string>(std::move(gz));
    }
    f.body = std::move(bytes);
    out.files_.emplace(std::move(rel), std::move(f));
  }
  spdlog::info("loaded {} static files from {}", out.files_.size(), root);
  return out;
}

const StaticFile* StaticFiles::find(std::string_view path) const {
  std::string key(path);
  if (key.empty() || key.back() == '/') key += "index.html";
  auto it = files_.find(key);
  return it == files_.end() ? nullptr : &it->second;
}

Response StaticFiles::serve(const StaticFile& file, const Request& req) const {
  namespace bh = boost::beast::http;
  bool not_modified = false;
  if (auto inm = req[bh::field::if_none_match]; !inm.empty()) {
    not_modified = etag_matches(inm, file.etag);
  } else if (auto ims = req[bh::field::if_modified_since]; !ims.empty()) {
    not_modified = ims == file.last_modified;
  }
  bool gzip = file.gzip_body && accepts_gzip(req[bh::field::accept_encoding]);
  Response res = not_modified ? make_response(Status::not_modified, file.content_type, nullptr)
                              : make_response(Status::ok, file.content_type,
                                              gzip ? file.gzip_body : file.body);
  if (not_modified) res.erase(bh::field::content_type);
  if (gzip && !not_modified) res.set(bh::field::content_encoding, "gzip");
  if (file.gzip_body) res.set(bh::field::vary, "Accept-Encoding");
  res.set(bh::field::etag, file.etag);
  res.set(bh::field::last_modified, file.last_modified);
  res.set(bh::field::cache_control, file.cache_control);
  return res;
}

}  // namespace cinestream::http
