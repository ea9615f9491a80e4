#include "cinestream/tmdb/metadata_provider.hpp"

#include <chrono>
#include <utility>
#include <vector>

namespace cinestream::tmdb {
namespace asio = boost::asio;

catalog::MetadataFailure failure_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::auth:
    case ErrorKind::config:
      return catalog::MetadataFailure::provider;
    case ErrorKind::not_found:
    case ErrorKind::invalid_request:
      return catalog::MetadataFailure::film;
    default:
      return catalog::MetadataFailure::transient;
  }
}

catalog::FilmMetadata metadata_of(const MovieDetails& d) {
  catalog::FilmMetadata m;
  m.title.original = d.original_title;
  m.title.en = d.en.title.empty() ? d.title : d.en.title;
  m.title.uk = d.uk.title;
  m.title.ru = d.ru.title;
  m.year = d.year.value_or(0);
  m.runtime_minutes = d.runtime.value_or(0);
  m.genres = d.genres;
  m.overview.en = d.en.overview;
  m.overview.ua = d.uk.overview;
  m.overview.ru = d.ru.overview;
  m.poster_url = d.poster_url;
  m.age_rating = d.age_rating;
  m.tmdb_id = d.id;
  m.imdb_id = d.imdb_id;
  return m;
}

namespace {

int system_year() {
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(days).year());
}

}  // namespace

TmdbMetadataProvider::TmdbMetadataProvider(asio::any_io_executor executor, ClientOptions options,
                                           gemini::Sleeper sleeper, std::function<int()> this_year)
    : http_(std::move(executor)),
      client_(http_, std::move(options), limiter_, std::move(sleeper)),
      this_year_(this_year ? std::move(this_year) : system_year) {}

asio::awaitable<std::optional<catalog::FilmMetadata>> TmdbMetadataProvider::lookup(
    catalog::Film film) {
  try {
    co_return co_await find(std::move(film));
  } catch (const TmdbError& e) {
    throw catalog::MetadataError(failure_of(e.kind()), e.what());
  }
}

asio::awaitable<std::optional<catalog::FilmMetadata>> TmdbMetadataProvider::find(
    catalog::Film film) {
  // Each title in its own language, so that the results' titles are comparable to it.
  std::vector<std::pair<std::string, std::string>> titles;
  auto add = [&](const std::string& title, const char* language) {
    if (title.empty()) return;
    for (const auto& t : titles)
      if (t.first == title) return;
    titles.emplace_back(title, language);
  };
  add(film.title.en, "en-US");
  add(film.title.original, "en-US");
  add(film.title.uk, "uk-UA");
  add(film.title.ru, "ru-RU");

  // A film in cinemas now came out this year or last (or, with its year known, that year or the
  // one before: the scraped year may be the local release). Searching those years first keeps
  // a more popular older namesake, or a page full of other films, from hiding it.
  const int year = film.year > 0 ? film.year : this_year_();
  std::optional<SearchResult> match;
  for (std::size_t i = 0; i < titles.size() && !match; ++i) {
    const auto& [title, language] = titles[i];
    MatchQuery query{title, year, std::nullopt};
    if (film.runtime_minutes > 0) query.runtime = film.runtime_minutes;
    // Both years' results are judged together: "B and A" of this year must not win over "A and
    // B" of last year because it was seen first. A full page without the film may hide it behind
    // more popular films sharing a word: the next page is read then.
    std::vector<SearchResult> results;
    for (int y : {year, year - 1}) {
      for (int page = 1; page <= 2; ++page) {
        auto found = co_await client_.search_movie(title, y, language, page);
        bool more = found.size() >= 20 && !best_match(query, found);
        results.insert(results.end(), found.begin(), found.end());
        if (!more) break;
      }
    }
    if (auto best = best_match(query, results)) match = results[*best];
  }
  if (!match && film.year == 0 && !titles.empty()) {
    // Not a recent release: a re-release of an older film, matched by its first title alone.
    const auto& [title, language] = titles.front();
    MatchQuery query{title, std::nullopt, std::nullopt};
    if (film.runtime_minutes > 0) query.runtime = film.runtime_minutes;
    auto results = co_await client_.search_movie(title, std::nullopt, language);
    if (auto best = best_match(query, results)) match = results[*best];
  }
  if (!match) co_return std::nullopt;
  auto details = co_await client_.movie_details(match->id);
  co_return metadata_of(details);
}

}  // namespace cinestream::tmdb
