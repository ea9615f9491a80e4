#pragma once
// The catalogue's metadata from Gemini (catalog::MetadataProvider), the fallback when no TMDB
// credential is configured: one grounded call per film asking for its titles in four forms, year,
// runtime, genres, overviews in English, Ukrainian and Russian, and age rating as JSON. The answer
// is checked (types, sizes, plausible year and runtime) before anything of it is used. No poster
// and no external ids are taken from it: a model may invent them, TMDB's are the reference.
// Its calls are bounded by the enricher's hourly budget, not by the scrapes' daily one.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <optional>

#include "cinestream/catalog/metadata_provider.hpp"
#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/gemini/client.hpp"
#include "cinestream/gemini/usage.hpp"
#include "cinestream/net/http_client.hpp"

namespace cinestream::gemini_metadata {

class GeminiMetadataProvider final : public catalog::MetadataProvider {
 public:
  GeminiMetadataProvider(boost::asio::any_io_executor executor, gemini::ClientOptions options,
                         gemini::Sleeper sleeper = {});

  std::string_view name() const override { return "gemini"; }
  int max_calls_per_lookup() const override { return 1; }
  std::int64_t calls_made() const override { return calls_.load(); }
  boost::asio::awaitable<std::optional<catalog::FilmMetadata>> lookup(catalog::Film film) override;

 private:
  net::HttpClient http_;
  gemini::UsageMeter meter_;
  gemini::CallLimiter limiter_{2};
  gemini::Client client_;
  std::atomic<std::int64_t> calls_{0};
};

// The request for `film`.
gemini::GenerateRequest film_prompt(const catalog::Film& film);
// The answer as metadata: nullopt when the model says it does not know the film; throws
// std::invalid_argument when it is not the answer asked for.
std::optional<catalog::FilmMetadata> parse_film_answer(const boost::json::value& answer,
                                                       int this_year);

}  // namespace cinestream::gemini_metadata
