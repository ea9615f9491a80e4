#include "cinestream/http/response.hpp"

#include <boost/json/value.hpp>
#include "cinestream/http/json_text.hpp"

namespace cinestream::http {

Response make_response(Status status, std::string_view content_type,
                       std::shared_ptr<const std::string> body) {
  Response res{status, 11};
  res.set(beast_http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Response json_response(Status status, std::string body) {
  return make_response(status, "application/json; charset=utf-8",
                       std::make_shared<const std::string>(std::move(body)));
}

Response error_response(Status status, std::string_view code, std::string_view message) {
  boost::json::object err;
  err["code"] = code;
  err["message"] = message;
  boost::json::object doc;
  doc["error"] = std::move(err);
  auto res = json_response(status, json_text(doc));
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

}  // namespace cinestream::http
