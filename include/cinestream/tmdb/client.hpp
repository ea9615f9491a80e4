#pragma once
// The TMDB API v3 client: /search/movie, /movie/{id} (translations, external_ids and release_dates
// in one call) and /configuration (cached), over net::HttpClient, with a per-attempt deadline and
// one for the whole call, the process-wide bound on calls in flight (gemini::CallLimiter), retries
// with exponential backoff and jitter on 429 (honouring Retry-After), 5xx, lost connections and
// unreadable answers, and immediate typed failure on 401 (bad credential) and 404.
//
// The credential is a v3 API key (sent as the api_key query parameter) or a v4 read access token
// (a JWT, sent as "Authorization: Bearer"); auth_scheme_of tells them apart. It never appears in a
// log line or an error message: those name the endpoint, never the URL.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/gemini/client.hpp"
#include "cinestream/net/http_client.hpp"
#include "cinestream/tmdb/protocol.hpp"

namespace cinestream::tmdb {

enum class ErrorKind {
  auth,             // 401: invalid or missing credential (status_code 7); never retried
  not_found,        // 404 (status_code 34)
  invalid_request,  // another 4xx: fix the request, do not retry
  rate_limited,     // 429 after every retry
  unavailable,      // 5xx or lost connections after every retry
  timeout,          // the deadline passed
  malformed,        // 200 but not the answer expected, after every retry
  overloaded,       // too many calls waiting locally
  config,           // no credential, plain HTTP to a non-loopback address, TLS failure
};
std::string_view to_string(ErrorKind k);

class TmdbError : public std::runtime_error {
 public:
  TmdbError(ErrorKind kind, int http_status, int status_code, const std::string& message)
      : std::runtime_error(message),
        kind_(kind),
        http_status_(http_status),
        status_code_(status_code) {}
  ErrorKind kind() const { return kind_; }
  int http_status() const { return http_status_; }
  int status_code() const { return status_code_; }  // TMDB's own code from the body, 0 if none

 private:
  ErrorKind kind_;
  int http_status_;
  int status_code_;
};

enum class AuthScheme { api_key, bearer };
// A JWT (three non-empty base64url parts joined by dots, 100+ characters: TMDB's v4 read access
// token) is a bearer token; anything else is a v3 API key.
AuthScheme auth_scheme_of(std::string_view credential);

struct ClientOptions {
  std::string base_url = "https://api.themoviedb.org/3";
  std::string credential;          // TMDB_API_KEY: v3 key or v4 read access token
  std::string language = "en-US";  // of details and genre names
  std::chrono::milliseconds attempt_timeout{10'000};
  std::chrono::milliseconds total_deadline{60'000};
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

struct ClientStats {
  std::int64_t calls = 0;     // calls made (each may take several attempts)
  std::int64_t attempts = 0;  // HTTP requests sent
  std::int64_t retries = 0;
  std::int64_t failures = 0;  // calls that threw
};

// One per io_context, beside the HttpClient it uses.
class Client {
 public:
  Client(net::HttpClient& http, ClientOptions options, gemini::CallLimiter& limiter,
         gemini::Sleeper sleeper = {});

  // GET /search/movie: one page (20 results) in TMDB's order. `year` narrows to films
  // released that year (TMDB's `year` parameter: any release date in that year); `language` is
  // the language of the titles and overviews returned; `page` the page of results (1..500).
  boost::asio::awaitable<std::vector<SearchResult>> search_movie(std::string title,
                                                                 std::optional<int> year,
                                                                 std::string language = "en-US",
                                                                 int page = 1);
  // GET /movie/{id}?append_to_response=translations,external_ids,release_dates, with poster_url
  // built from configuration().
  boost::asio::awaitable<MovieDetails> movie_details(std::int64_t id);
  // GET /configuration, once; later calls return the cached answer.
  boost::asio::awaitable<ImageConfig> configuration();
  // Search with the year, then without it when nothing credible came back (the scraped year may
  // be the local release, a year after TMDB's), and pick with best_match. nullopt: no credible
  // film.
  boost::asio::awaitable<std::optional<SearchResult>> find_movie(MatchQuery query,
                                                                 std::string language = "en-US");

  ClientStats stats() const;
  const ClientOptions& options() const { return options_; }

 private:
  // One GET of `path_and_query` (already encoded, without the credential), parsed as JSON.
  // `what` names the endpoint in messages.
  boost::asio::awaitable<boost::json::value> get_json(std::string path_and_query, std::string what);
  std::chrono::milliseconds backoff(int attempt) const;

  net::HttpClient& http_;
  ClientOptions options_;
  AuthScheme scheme_;
  gemini::CallLimiter& limiter_;
  gemini::Sleeper sleeper_;
  std::mutex config_mutex_;
  std::optional<ImageConfig> config_;
  std::atomic<std::int64_t> calls_{0}, attempts_{0}, retries_{0}, failures_{0};
};

// Percent-encodes a query parameter's value (RFC 3986 unreserved characters stay).
std::string encode_query_value(std::string_view value);

}  // namespace cinestream::tmdb
