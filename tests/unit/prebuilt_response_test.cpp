#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cinestream/cache/response_cache.hpp"
#include "cinestream/http/prebuilt.hpp"
#include "cinestream/http/server.hpp"

namespace cinestream::http {
namespace {

// What the server writes for a prebuilt response (see Server::session).
std::string wire(const PrebuiltResponse& p, std::string_view date, std::string_view id, bool close,
                 bool head) {
  std::string fields;
  format_request_fields(fields, date, id);
  std::string out = p.head + fields + p.tail + (close ? "Connection: close\r\n\r\n" : "\r\n");
  if (p.body && !head) out += *p.body;
  return out;
}

// What Beast writes for the same response going through the general path.
std::string reference(Response res, std::string_view date, std::string_view id, bool close,
                      bool head) {
  finalize_response(res, date, id, close, head);
  std::ostringstream os;
  os << res;
  return os.str();
}

// A cached page answers with bytes built once; they must be exactly what the general path sends.
TEST(PrebuiltResponse, SameBytesAsTheGeneralPath) {
  const std::string date = "Sat, 21 Nov 2026 08:14:10 GMT";
  const std::string json = "{\"showtimes\":[" + std::string(3000, ' ') + "]}";
  auto body = make_cached_body(json);
  ASSERT_TRUE(body->gzip);
  for (auto variant : {CachedVariant::json, CachedVariant::gzip, CachedVariant::not_modified}) {
    for (bool close : {false, true}) {
      for (bool head : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "variant " << static_cast<int>(variant) << " close "
                                          << close << " head " << head);
        EXPECT_EQ(wire(body->prebuilt(variant), date, "trace-1", close, head),
                  reference(body->response(variant), date, "trace-1", close, head));
      }
    }
  }
  const auto& plain = body->prebuilt(CachedVariant::json);
  EXPECT_EQ(plain.body, body->json);  // shared, not copied
  EXPECT_NE(plain.head.find("Vary: Accept-Encoding\r\n"), std::string::npos);
  EXPECT_NE(plain.tail.find("Content-Length: " + std::to_string(json.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(body->prebuilt(CachedVariant::gzip).head.find("Content-Encoding: gzip\r\n"),
            std::string::npos);
  EXPECT_EQ(body->prebuilt(CachedVariant::not_modified).body, nullptr);
  EXPECT_TRUE(body->prebuilt(CachedVariant::not_modified).head.starts_with("HTTP/1.1 304 "));

  // A page too small to gzip has no Vary header.
  auto small = make_cached_body("{}");
  EXPECT_EQ(wire(small->prebuilt(CachedVariant::json), date, "x", false, false),
            reference(small->response(CachedVariant::json), date, "x", false, false));
  EXPECT_EQ(small->prebuilt(CachedVariant::json).head.find("Vary"), std::string::npos);
}

}  // namespace
}  // namespace cinestream::http
