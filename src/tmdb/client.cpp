#include "cinestream/tmdb/client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <random>

namespace cinestream::tmdb {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string_view to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::invalid_request:
      return "invalid_request";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::malformed:
      return "malformed";
    case ErrorKind::overloaded:
      return "overloaded";
    case ErrorKind::config:
      break;
  }
  return "config";
}

AuthScheme auth_scheme_of(std::string_view credential) {
  if (credential.size() < 100) return AuthScheme::api_key;
  int parts = 1;
  std::size_t part_len = 0;
  for (char c : credential) {
    if (c == '.') {
      if (part_len == 0) return AuthScheme::api_key;
      ++parts;
      part_len = 0;
      continue;
    }
    bool b64url = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    if (!b64url) return AuthScheme::api_key;
    ++part_len;
  }
  return parts == 3 && part_len > 0 ? AuthScheme::bearer : AuthScheme::api_key;
}

std::string encode_query_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned>(c));
    }
  }
  return out;
}

namespace {

gemini::Sleeper timer_sleeper() {
  return [](std::chrono::milliseconds d) -> asio::awaitable<void> {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  };
}

bool retryable_status(unsigned s) {
  return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

// Retry-After in seconds (what TMDB sends); an HTTP date or garbage reads as none.
std::optional<std::chrono::milliseconds> retry_after_of(const net::HttpResponse& res) {
  auto v = res.header("Retry-After");
  std::int64_t s = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
  if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || s < 0) return std::nullopt;
  return std::chrono::milliseconds(std::min<std::int64_t>(s, 3600) * 1000);
}

// A 200 that is JSON but not the answer expected: not retried (it would come back the same).
template <class T>
T parse_or_throw(T (*parse)(const json::value&), const json::value& doc, std::string_view what,
                 std::atomic<std::int64_t>& failures) {
  try {
    return parse(doc);
  } catch (const std::invalid_argument& e) {
    ++failures;
    throw TmdbError(ErrorKind::malformed, 200, 0, fmt::format("TMDB {}: {}", what, e.what()));
  }
}

}  // namespace

Client::Client(net::HttpClient& http, ClientOptions options, gemini::CallLimiter& limiter,
               gemini::Sleeper sleeper)
    : http_(http),
      options_(std::move(options)),
      scheme_(auth_scheme_of(options_.credential)),
      limiter_(limiter),
      sleeper_(sleeper ? std::move(sleeper) : timer_sleeper()) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

ClientStats Client::stats() const {
  return {calls_.load(), attempts_.load(), retries_.load(), failures_.load()};
}

std::chrono::milliseconds Client::backoff(int attempt) const {
  // Exponential with "equal jitter": half fixed, half random, so many callers' retries spread.
  auto base = options_.initial_backoff * (1 << std::min(attempt - 1, 16));
  auto capped = std::min<std::chrono::milliseconds>(base, options_.max_backoff);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto half = capped.count() / 2;
  return std::chrono::milliseconds(
      half + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(half + 1)));
}

asio::awaitable<json::value> Client::get_json(std::string path_and_query, std::string what) {
  ++calls_;
  auto fail = [&](ErrorKind kind, int status, int code, const std::string& message) {
    ++failures_;
    return TmdbError(kind, status, code, fmt::format("TMDB {}: {}", what, message));
  };
  if (options_.credential.empty()) throw fail(ErrorKind::config, 0, 0, "no API key configured");
  std::string url = options_.base_url + path_and_query;
  std::vector<std::pair<std::string, std::string>> headers{{"Accept", "application/json"}};
  if (scheme_ == AuthScheme::bearer) {
    headers.emplace_back("Authorization", "Bearer " + options_.credential);
  } else {
    url += path_and_query.find('?') == std::string::npos ? '?' : '&';
    url += "api_key=" + encode_query_value(options_.credential);
  }

  const auto deadline = std::chrono::steady_clock::now() + options_.total_deadline;
  ErrorKind last_kind = ErrorKind::timeout;
  int last_status = 0, last_code = 0, attempts = 0;
  std::string last_message = "the deadline passed before the first attempt";
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    attempts = attempt;
    net::HttpRequest req;
    req.url = url;
    req.headers = headers;
    req.timeout = std::min(options_.attempt_timeout, left);
    std::optional<std::chrono::milliseconds> retry_after;
    try {
      gemini::CallLimiter::Permit permit;
      try {
        permit = co_await limiter_.acquire();
      } catch (const std::length_error& e) {
        throw fail(ErrorKind::overloaded, 0, 0, e.what());
      }
      ++attempts_;
      auto res = co_await http_.request(std::move(req));
      permit.release();  // never hold a slot while waiting to retry
      if (res.status == 200) {
        boost::system::error_code ec;
        auto doc = json::parse(res.body, ec);
        if (!ec) co_return doc;
        last_kind = ErrorKind::malformed;
        last_status = 200;
        last_code = 0;
        last_message = "the answer is not JSON";
      } else {
        auto api = parse_error(res.body);
        last_status = static_cast<int>(res.status);
        last_code = api ? api->status_code : 0;
        last_message = api ? fmt::format("{} (status_code {}): {}", res.status, api->status_code,
                                         api->status_message)
                           : fmt::format("HTTP {}", res.status);
        if (!retryable_status(res.status)) {
          ErrorKind kind = ErrorKind::invalid_request;
          if (res.status == 401 || res.status == 403) kind = ErrorKind::auth;
          if (res.status == 404) kind = ErrorKind::not_found;
          throw fail(kind, last_status, last_code, last_message);
        }
        last_kind = res.status == 429 ? ErrorKind::rate_limited : ErrorKind::unavailable;
        retry_after = retry_after_of(res);
      }
    } catch (const net::HttpError& e) {
      if (e.kind() == net::HttpErrorKind::refused_plain_http ||
          e.kind() == net::HttpErrorKind::tls) {
        throw fail(ErrorKind::config, 0, 0, e.what());
      }
      last_kind =
          e.kind() == net::HttpErrorKind::timeout ? ErrorKind::timeout : ErrorKind::unavailable;
      last_status = 0;
      last_code = 0;
      last_message = e.what();
    }
    if (attempt == options_.max_attempts) break;
    // Retry-After is the service's word: waited in full (plus a little, so the window has
    // turned), never shortened by the backoff.
    auto wait = retry_after
                    ? *retry_after + std::min<std::chrono::milliseconds>(250ms, *retry_after / 10)
                    : backoff(attempt);
    if (std::chrono::steady_clock::now() + wait >= deadline) break;
    spdlog::warn("tmdb {} attempt {} failed ({}: {}); retrying in {} ms", what, attempt,
                 to_string(last_kind), last_message, wait.count());
    ++retries_;
    co_await sleeper_(wait);
  }
  throw fail(last_kind, last_status, last_code,
             fmt::format("failed after {} attempts: {}", attempts, last_message));
}

asio::awaitable<std::vector<SearchResult>> Client::search_movie(std::string title,
                                                                std::optional<int> year,
                                                                std::string language, int page) {
  std::string q = fmt::format("/search/movie?query={}&include_adult=false&language={}&page={}",
                              encode_query_value(title), encode_query_value(language),
                              std::clamp(page, 1, 500));
  if (year) q += fmt::format("&year={}", *year);
  auto doc = co_await get_json(std::move(q), "search/movie");
  co_return parse_or_throw(&parse_search, doc, "search/movie", failures_);
}

asio::awaitable<ImageConfig> Client::configuration() {
  {
    std::lock_guard lock(config_mutex_);
    if (config_) co_return *config_;
  }
  auto doc = co_await get_json("/configuration", "configuration");
  auto c = parse_or_throw(&parse_configuration, doc, "configuration", failures_);
  std::lock_guard lock(config_mutex_);
  config_ = c;
  co_return c;
}

asio::awaitable<MovieDetails> Client::movie_details(std::int64_t id) {
  auto config = co_await configuration();
  auto doc = co_await get_json(
      fmt::format("/movie/{}?language={}&append_to_response=translations,external_ids,"
                  "release_dates",
                  id, encode_query_value(options_.language)),
      "movie");
  auto d = parse_or_throw(&parse_details, doc, "movie", failures_);
  d.poster_url = config.poster_url(d.poster_path);
  co_return d;
}

asio::awaitable<std::optional<SearchResult>> Client::find_movie(MatchQuery query,
                                                                std::string language) {
  if (query.year) {
    auto results = co_await search_movie(query.title, query.year, language);
    if (auto i = best_match(query, results)) co_return results[*i];
  }
  auto results = co_await search_movie(query.title, std::nullopt, language);
  if (auto i = best_match(query, results)) co_return results[*i];
  co_return std::nullopt;
}

}  // namespace cinestream::tmdb
