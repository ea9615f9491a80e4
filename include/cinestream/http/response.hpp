#pragma once
// Responses and the API's error body: {"error": {"code": "...", "message": "..."}}.
#include <boost/beast/http.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "cinestream/http/shared_body.hpp"

namespace cinestream::http {

namespace beast_http = boost::beast::http;
using Status = beast_http::status;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<SharedBody>;

Response make_response(Status status, std::string_view content_type,
                       std::shared_ptr<const std::string> body);
Response json_response(Status status, std::string body);
// `code` is a stable machine-readable word ("city_not_found"); `message` is for people.
Response error_response(Status status, std::string_view code, std::string_view message);

}  // namespace cinestream::http
