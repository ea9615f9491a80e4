#pragma once
// The catalogue's metadata from TMDB (catalog::MetadataProvider): the film searched by each of its
// titles in that title's language (English, original, Ukrainian, Russian) until best_match finds
// it credibly, then its details with the en/uk/ru translations, certification, IMDb id and poster.
// A film of unknown year is looked for as a release of this year or last first (it plays in
// cinemas now, and older namesakes are common), then by its first title alone. Failures map to the
// catalogue's kinds: a refused credential or a misconfiguration stops enrichment (provider), a
// request TMDB refuses gives up the film (film), the rest is retried later (transient).
#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>

#include "cinestream/catalog/metadata_provider.hpp"
#include "cinestream/gemini/call_limiter.hpp"
#include "cinestream/net/http_client.hpp"
#include "cinestream/tmdb/client.hpp"

namespace cinestream::tmdb {

class TmdbMetadataProvider final : public catalog::MetadataProvider {
 public:
  // Uses `executor`'s loop only (the HttpClient is bound to it). `this_year`: the year a film of
  // unknown year is first assumed near; empty: the system clock's.
  TmdbMetadataProvider(boost::asio::any_io_executor executor, ClientOptions options,
                       gemini::Sleeper sleeper = {}, std::function<int()> this_year = {});

  std::string_view name() const override { return "tmdb"; }
  // The configuration (once), two pages of two years' searches for each of four titles and one
  // more search, the details.
  int max_calls_per_lookup() const override { return 19; }
  std::int64_t calls_made() const override { return client_.stats().attempts; }
  boost::asio::awaitable<std::optional<catalog::FilmMetadata>> lookup(catalog::Film film) override;

 private:
  boost::asio::awaitable<std::optional<catalog::FilmMetadata>> find(catalog::Film film);

  net::HttpClient http_;
  gemini::CallLimiter limiter_{4};
  Client client_;
  std::function<int()> this_year_;
};

// TMDB's failure as the catalogue's kind.
catalog::MetadataFailure failure_of(ErrorKind kind);
// The details as catalogue metadata.
catalog::FilmMetadata metadata_of(const MovieDetails& details);

}  // namespace cinestream::tmdb
