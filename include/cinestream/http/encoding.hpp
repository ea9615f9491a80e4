#pragma once
// Content negotiation and validators: gzip, ETags and HTTP dates.
#include <chrono>
#include <string>
#include <string_view>

namespace cinestream::http {

// gzip-framed deflate of `data`.
std::string gzip_compress(std::string_view data, int level = 6);
// True when Accept-Encoding allows gzip (q > 0).
bool accepts_gzip(std::string_view accept_encoding);
// A strong ETag ("\"<16 hex>\"") derived from the bytes; the same in every process.
std::string make_etag(std::string_view data);
// True when If-None-Match lists `etag` (or "*"); weak comparison, as RFC 9110 asks for GET.
bool etag_matches(std::string_view if_none_match, std::string_view etag);
// "Sat, 21 Nov 2026 08:14:10 GMT"
std::string format_http_date(std::chrono::sys_seconds t);
// True when the type is worth compressing.
bool is_compressible(std::string_view content_type);

}  // namespace cinestream::http
