#pragma once
// Recommendations as the routes see them: "what to see in this city in the next days", for a
// signed-in visitor or for anyone. The model (model.hpp) is a snapshot over everyone's ratings
// and recent interactions, rebuilt on the CPU pool every refresh interval and swapped in whole;
// the visitor's own ratings, seen and hidden films are read per request, so their newest rating
// counts at once rather than at the next rebuild.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/domain/movie.hpp"
#include "cinestream/library/interaction_repository.hpp"
#include "cinestream/library/library_repository.hpp"
#include "cinestream/recommend/model.hpp"
#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/search/embedder.hpp"
#include "cinestream/store/async_store.hpp"
#include "cinestream/store/showtime_repository.hpp"

namespace cinestream::recommend {

struct RecommendStore {
  library::LibraryRepository* library = nullptr;
  library::InteractionRepository* interactions = nullptr;
  ShowtimeRepository* showtimes = nullptr;
};

struct RecommendOptions {
  std::chrono::milliseconds refresh_interval{30'000};
  // Bounds on what one model holds: the newest activity, and ratings read in key order.
  std::size_t max_ratings = 2'000'000;
  std::size_t max_activity = 200'000;
  std::size_t max_films = 50'000;  // films given content vectors
  std::chrono::hours activity_window{24 * 14};
  std::size_t next_showtimes = 3;  // per suggested film
  ModelOptions model;
};

// One suggested film in a city: the suggestion, the city's movie of it (titles, poster) and its
// next showtimes there.
struct CityPick {
  Suggestion suggestion;
  Movie movie;
  struct Next {
    SysSeconds start{};
    std::string theater;
    std::string format;
    std::string language;
    std::string hall;
  };
  std::vector<Next> next;
};

struct CityPicks {
  Strategy strategy = Strategy::popularity;  // what ranked them (hybrid for a signed-in visitor)
  std::vector<CityPick> picks;
  // Titles of the films the reasons name ("because you liked ..."), by film id.
  std::vector<catalog::Film> reason_films;
};

class RecommendationService {
 public:
  // `embedder` gives films their content vectors (the search feature's); none: no content
  // similarity.
  RecommendationService(Async<RecommendStore> store, BlockingPool& cpu,
                        catalog::CatalogService& films, const search::Embedder* embedder,
                        RecommendOptions options);

  // Reads ratings and activity (db pool), builds a model (CPU pool), swaps it in.
  boost::asio::awaitable<void> refresh();
  // refresh() now and then every refresh_interval until the loop stops; failures are logged and
  // the previous model stays.
  boost::asio::awaitable<void> run();

  // Films playing in `city` between now and `days` later, ranked for `user` (nullopt: anyone).
  boost::asio::awaitable<CityPicks> for_city(std::optional<std::string> user, std::string city,
                                             int days, std::size_t limit);
  // Films like `film`; with a city, only those playing there in the next `days`.
  boost::asio::awaitable<CityPicks> similar(std::int64_t film, std::string city, int days,
                                            std::size_t limit);

  std::shared_ptr<const Model> model() const;
  std::string render_metrics() const;
  const RecommendOptions& options() const { return options_; }

 private:
  boost::asio::awaitable<std::vector<Movie>> playing(std::string city, int days);
  boost::asio::awaitable<CityPicks> assemble(std::vector<Suggestion> ranked,
                                             std::vector<Movie> movies, Strategy strategy);

  Async<RecommendStore> store_;
  BlockingPool& cpu_;
  catalog::CatalogService& films_;
  const search::Embedder* embedder_;
  RecommendOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Model> model_;
  std::atomic<std::int64_t> builds_{0}, build_failures_{0};
  std::atomic<std::int64_t> last_build_ms_{0};
};

}  // namespace cinestream::recommend
