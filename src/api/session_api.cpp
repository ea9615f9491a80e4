// GET/POST /api/session: the visitor's language, kept in a cookie signed with SECRET_KEY.
#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>

#include "cinestream/api/api.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/signed_cookie.hpp"

namespace cinestream::api {
namespace bh = boost::beast::http;
namespace json = boost::json;
using http::Response;
using http::Status;

namespace {

constexpr std::string_view kCookie = "cs_lang";

// The best of en/ua/ru by q-value; "uk" is Ukrainian's ISO code.
Lang from_accept_language(std::string_view header) {
  Lang best = Lang::en;
  double best_q = -1;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    auto semi = item.find(';');
    auto tag = item.substr(0, semi);
    double q = 1.0;
    if (semi != std::string_view::npos) {
      auto param = item.substr(semi + 1);
      auto eq = param.find("q=");
      if (eq != std::string_view::npos) q = std::atof(std::string(param.substr(eq + 2)).c_str());
    }
    auto primary = tag.substr(0, tag.find('-'));
    auto lang = parse_lang(primary);
    if (lang && q > best_q) {
      best = *lang;
      best_q = q;
    }
  }
  return best;
}

}  // namespace

boost::asio::awaitable<http::Reply> Api::session(http::RequestContext& ctx) {
  const auto& req = ctx.request;
  std::optional<Lang> lang;
  std::string set_cookie;
  if (req.method() == bh::verb::post) {
    boost::system::error_code ec;
    auto doc = json::parse(req.body(), ec);
    const json::value* l = !ec && doc.is_object() ? doc.as_object().if_contains("lang") : nullptr;
    if (!l || !l->is_string() || !parse_lang(l->as_string())) {
      co_return http::error_response(Status::bad_request, "invalid_lang",
                                     "send {\"lang\": \"en\"}, \"ua\" or \"ru\"");
    }
    lang = parse_lang(l->as_string());
    set_cookie =
        fmt::format("{}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}", kCookie,
                    http::sign_cookie_value(kCookie, to_string(*lang), options_.secret_key),
                    ctx.secure ? "; Secure" : "");
  } else if (auto cookie = http::find_cookie(req[bh::field::cookie], kCookie)) {
    // A cookie whose signature fails (forged, or an old secret) is ignored, not trusted.
    if (auto value = http::verify_cookie_value(kCookie, *cookie, options_.secret_key)) {
      lang = parse_lang(*value);
    }
  }
  if (!lang) lang = from_accept_language(req[bh::field::accept_language]);
  json::object doc{
      {"lang", to_string(*lang)},
      {"demo", options_.demo},
      {"donation_url",
       options_.donation_url.empty() ? json::value(nullptr) : json::value(options_.donation_url)}};
  auto res = http::json_response(Status::ok, http::json_text(doc));
  res.set(bh::field::cache_control, "no-store");
  res.set(bh::field::vary, "Cookie, Accept-Language");
  if (!set_cookie.empty()) res.set(bh::field::set_cookie, set_cookie);
  co_return res;
}

}  // namespace cinestream::api
