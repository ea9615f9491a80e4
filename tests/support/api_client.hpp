#pragma once
// An API client for the integration tests: JSON bodies, a bearer token once signed up, and the
// error code of a refused request.
#include <boost/json.hpp>
#include <map>
#include <string>

#include "support/server_process.hpp"

namespace cinestream::testing {

struct ApiClient {
  explicit ApiClient(std::uint16_t port) : http(port) {}
  HttpResult call(boost::beast::http::verb method, const std::string& target,
                  const std::string& body = {}) {
    std::map<std::string, std::string> headers;
    if (!body.empty()) headers["Content-Type"] = "application/json";
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http.request(method, target, std::move(headers), body);
  }
  HttpResult get(const std::string& target) { return call(boost::beast::http::verb::get, target); }
  // Registers an account and keeps its access token; the answer, for the caller to check.
  HttpResult sign_up(const std::string& email, const std::string& password) {
    auto r = call(boost::beast::http::verb::post, "/api/auth/register",
                  boost::json::serialize(boost::json::object{
                      {"email", email}, {"password", password}, {"display_name", "Viewer"}}));
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (r.status == 201 && !ec && v.is_object())
      if (auto* t = v.as_object().if_contains("access_token"); t && t->is_string())
        token = std::string(t->as_string());
    return r;
  }
  HttpClient http;
  std::string token;
};

// The body as a JSON object (empty when it is not one).
inline boost::json::object json_object_of(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return !ec && v.is_object() ? v.as_object() : boost::json::object{};
}

// error.code of a JSON error answer ("" when there is none).
inline std::string error_code_of(const HttpResult& r) {
  auto o = json_object_of(r.body);
  auto* e = o.if_contains("error");
  if (!e || !e->is_object()) return {};
  auto* code = e->as_object().if_contains("code");
  return code && code->is_string() ? std::string(code->as_string()) : std::string();
}

}  // namespace cinestream::testing
