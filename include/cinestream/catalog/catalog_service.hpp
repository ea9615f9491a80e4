#pragma once
// The catalogue as the routes and background tasks see it: every store call runs on the db pool.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/catalog/film_linker.hpp"
#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/store/async_store.hpp"
#include "cinestream/store/film_link_repository.hpp"
#include "cinestream/store/showtime_repository.hpp"

namespace cinestream::catalog {

struct CatalogStore {
  std::unique_ptr<FilmRepository> films;
  FilmLinkRepository* links = nullptr;
  ShowtimeRepository* showtimes = nullptr;
};

// A refusal with its HTTP meaning (the routes turn it into the JSON error).
class CatalogError : public std::runtime_error {
 public:
  CatalogError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

struct FilmDetails {
  Film film;
  std::vector<FilmPlace> places;  // every city where it has a movie, with upcoming showtimes
  std::vector<Movie> in_city;     // the requested city's movies of it, with their showtimes
};

class CatalogService {
 public:
  explicit CatalogService(Async<CatalogStore> store) : store_(store) {}

  // Links what scrapes added since the last pass (film_linker.hpp).
  boost::asio::awaitable<LinkReport> link_pending();
  // Runs link_pending every `interval` until the loop stops.
  boost::asio::awaitable<void> run_linker(std::chrono::milliseconds interval);

  // The film (a merged film answers with the one it was merged into); CatalogError 404 if none.
  // With a city, its showtimes there from now to `horizon` later.
  boost::asio::awaitable<FilmDetails> details(std::int64_t id, std::string city,
                                              std::chrono::hours horizon);
  // The id that stands for film `id` now (itself, or the film it was merged into); nullopt when
  // no film has it.
  boost::asio::awaitable<std::optional<std::int64_t>> current_id(std::int64_t id);
  // `playing_in`: only films with showtimes in that city from now on (empty: all).
  boost::asio::awaitable<FilmPage> list(FilmQuery query, std::string playing_in);

  // Admin corrections: `from` becomes part of `into` (its city movies move there); a city movie
  // linked to the wrong film gets a film of its own. CatalogError 404/409 when impossible.
  boost::asio::awaitable<void> merge(std::int64_t from, std::int64_t into);
  boost::asio::awaitable<std::int64_t> split(std::string city_id, std::int64_t movie_id);

  std::string render_metrics() const;

  // More of a film's details document from a feature built on the catalogue (module library adds
  // the average rating), so the page needs one request. Added at install, before the loops run;
  // an extension that throws fails the request.
  using DetailsExtension =
      std::function<boost::asio::awaitable<void>(std::int64_t film_id, boost::json::object& doc)>;
  void add_details_extension(DetailsExtension e) { extensions_.push_back(std::move(e)); }
  const std::vector<DetailsExtension>& details_extensions() const { return extensions_; }

 private:
  Async<CatalogStore> store_;
  std::vector<DetailsExtension> extensions_;
  std::atomic<std::int64_t> linked_{0}, created_{0}, link_failures_{0};
};

}  // namespace cinestream::catalog
