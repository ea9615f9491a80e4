#include "cinestream/recommend/recommendation_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <set>
#include <unordered_map>

namespace cinestream::recommend {
namespace asio = boost::asio;

namespace {

// Ratings are read in pages of this many, so no read holds a cursor or transaction for long.
constexpr std::size_t kRatingPage = 5'000;

SysSeconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The weight of an interaction in popularity: a calendar export or opened showtimes says more
// about intent to go than a look at the details.
float weight_of(ActivityKind kind) {
  switch (kind) {
    case ActivityKind::exported_calendar:
      return 3;
    case ActivityKind::opened_showtimes:
      return 2;
    case ActivityKind::viewed_details:
      return 1;
    case ActivityKind::searched:
      return 0;
  }
  return 0;
}

// What a film's content vector is made of: titles in every language, genres, overviews.
std::string content_text(const catalog::Film& f) {
  std::string text;
  auto add = [&text](const std::string& part) {
    if (part.empty()) return;
    if (!text.empty()) text += ". ";
    text += part;
  };
  for (const auto* t : {&f.title.original, &f.title.en, &f.title.uk, &f.title.ru})
    add(*t);
  for (const auto& g : f.genres)
    add(g);
  for (const auto* o : {&f.overview.en, &f.overview.ua, &f.overview.ru})
    add(*o);
  return text;
}

}  // namespace

RecommendationService::RecommendationService(Async<RecommendStore> store, BlockingPool& cpu,
                                             catalog::CatalogService& films,
                                             const search::Embedder* embedder,
                                             RecommendOptions options)
    : store_(store),
      cpu_(cpu),
      films_(films),
      embedder_(embedder),
      options_(std::move(options)),
      model_(Model::build(ModelInput{}, options_.model)) {}

std::shared_ptr<const Model> RecommendationService::model() const {
  std::lock_guard lock(mutex_);
  return model_;
}

asio::awaitable<void> RecommendationService::refresh() {
  auto started = std::chrono::steady_clock::now();
  ModelInput input;
  auto now = now_seconds();
  input.now_unix = now.time_since_epoch().count();
  std::string user;
  std::int64_t film = 0;
  while (input.ratings.size() < options_.max_ratings) {
    auto page_size = std::min(kRatingPage, options_.max_ratings - input.ratings.size());
    auto read = [user, film, page_size](RecommendStore& s) {
      return s.library->ratings_after(user, film, page_size);
    };
    auto page = co_await store_.call(read);
    if (page.empty()) break;
    for (auto& r : page)
      input.ratings.push_back(
          Rating{std::move(r.user_id), r.film_id, static_cast<float>(r.half_stars) / 2.0f});
    user = input.ratings.back().user;
    film = input.ratings.back().film;
    if (page.size() < page_size) break;
  }
  auto since = now - options_.activity_window;
  auto limit = options_.max_activity;
  auto read_activity = [since, limit](RecommendStore& s) {
    return s.interactions->recent(since, limit);
  };
  auto activity = co_await store_.call(read_activity);
  for (const auto& a : activity) {
    auto w = weight_of(a.kind);
    if (w <= 0) continue;
    // Interactions carry no city: they count towards the film's popularity everywhere, and a
    // city's answer only ranks the films playing there.
    input.activity.push_back(Activity{a.film_id, {}, a.at.time_since_epoch().count(), w});
  }
  std::vector<catalog::Film> films;
  if (embedder_) {
    catalog::FilmQuery all;
    all.limit = options_.max_films;
    films = (co_await films_.list(std::move(all), std::string{})).films;
  }
  auto model_options = options_.model;
  const search::Embedder* embedder = embedder_;
  auto build = [input = std::move(input), films = std::move(films), embedder,
                model_options]() mutable {
    if (embedder && !films.empty()) {
      std::vector<std::string> texts;
      texts.reserve(films.size());
      for (const auto& f : films)
        texts.push_back(content_text(f));
      auto vectors = embedder->embed(texts);
      for (std::size_t i = 0; i < films.size() && i < vectors.size(); ++i)
        input.vectors.push_back(FilmVector{films[i].id, std::move(vectors[i])});
    }
    return Model::build(std::move(input), model_options);
  };
  auto built = co_await cpu_.run(std::move(build));
  {
    std::lock_guard lock(mutex_);
    model_ = std::move(built);
  }
  ++builds_;
  last_build_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
}

asio::awaitable<void> RecommendationService::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    try {
      co_await refresh();
    } catch (const std::exception& e) {
      ++build_failures_;
      spdlog::warn("recommendations: model refresh failed ({}); keeping the previous one",
                   e.what());
    }
    timer.expires_after(options_.refresh_interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<std::vector<Movie>> RecommendationService::playing(std::string city, int days) {
  auto from = now_seconds();
  auto to = from + std::chrono::hours(24 * days);
  auto read = [city = std::move(city), from, to](RecommendStore& s) {
    return s.showtimes->movies_between(city, from, to);
  };
  auto movies = co_await store_.call(read);
  // Only linked movies with a showtime still ahead can be suggested.
  std::erase_if(movies, [from](const Movie& m) {
    if (m.film_id == 0) return true;
    for (const auto& t : m.theaters)
      for (const auto& s : t.showtimes)
        if (s.start >= from) return false;
    return true;
  });
  co_return movies;
}

asio::awaitable<CityPicks> RecommendationService::assemble(std::vector<Suggestion> ranked,
                                                           std::vector<Movie> movies,
                                                           Strategy strategy) {
  CityPicks out;
  out.strategy = strategy;
  std::unordered_map<std::int64_t, std::size_t> by_film;
  for (std::size_t i = 0; i < movies.size(); ++i)
    by_film.emplace(movies[i].film_id, i);  // a film has one movie per city; the first wins
  auto now = now_seconds();
  std::set<std::int64_t> reason_ids;
  for (auto& s : ranked) {
    auto it = by_film.find(s.film);
    if (it == by_film.end()) continue;
    CityPick pick;
    pick.suggestion = s;
    pick.movie = movies[it->second];
    std::vector<CityPick::Next> next;
    for (const auto& t : pick.movie.theaters)
      for (const auto& st : t.showtimes)
        if (st.start >= now) next.push_back({st.start, t.name, st.format, st.language, st.hall});
    std::sort(next.begin(), next.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    if (next.size() > options_.next_showtimes) next.resize(options_.next_showtimes);
    pick.next = std::move(next);
    if (s.reason.film != 0) reason_ids.insert(s.reason.film);
    out.picks.push_back(std::move(pick));
  }
  if (!reason_ids.empty()) {
    catalog::FilmQuery q;
    q.ids = std::vector<std::int64_t>(reason_ids.begin(), reason_ids.end());
    q.limit = reason_ids.size();
    auto page = co_await films_.list(std::move(q), std::string{});
    out.reason_films = std::move(page.films);
  }
  co_return out;
}

asio::awaitable<CityPicks> RecommendationService::for_city(std::optional<std::string> user,
                                                           std::string city, int days,
                                                           std::size_t limit) {
  auto movies = co_await playing(std::move(city), days);
  std::vector<std::int64_t> candidates;
  candidates.reserve(movies.size());
  for (const auto& m : movies)
    candidates.push_back(m.film_id);
  auto model = this->model();
  std::vector<Suggestion> ranked;
  Strategy strategy = Strategy::popularity;
  if (user) {
    auto id = *user;
    auto read = [id](RecommendStore& s) { return s.library->library(id); };
    auto lib = co_await store_.call(read);
    std::vector<OwnRating> own;
    own.reserve(lib.ratings.size());
    for (const auto& r : lib.ratings)
      own.push_back(OwnRating{r.film_id, static_cast<float>(r.half_stars) / 2.0f});
    std::vector<std::int64_t> exclude;
    for (const auto& m : lib.marks)
      if (m.kind == library::MarkKind::seen || m.kind == library::MarkKind::hidden)
        exclude.push_back(m.film_id);
    strategy = Strategy::hybrid;
    // Neighbours and predictions cost milliseconds of CPU: on the CPU pool, off the event loop.
    auto rank = [model, who = *user, own = std::move(own), exclude = std::move(exclude), candidates,
                 limit]() {
      Query q;
      q.user = who;
      q.own = &own;
      q.candidates = candidates;
      q.exclude = exclude;
      q.limit = limit;
      return model->recommend(q, Strategy::hybrid);
    };
    ranked = co_await cpu_.run(std::move(rank));
  } else {
    auto rank = [model, candidates, limit]() {
      Query q;
      q.candidates = candidates;
      q.limit = limit;
      return model->recommend(q, Strategy::popularity);
    };
    ranked = co_await cpu_.run(std::move(rank));
  }
  co_return co_await assemble(std::move(ranked), std::move(movies), strategy);
}

asio::awaitable<CityPicks> RecommendationService::similar(std::int64_t film, std::string city,
                                                          int days, std::size_t limit) {
  auto current = co_await films_.current_id(film);
  if (!current) throw catalog::CatalogError(404, "movie_not_found", "no film has this id");
  auto movies = co_await playing(std::move(city), days);
  std::vector<std::int64_t> candidates;
  for (const auto& m : movies)
    if (m.film_id != *current) candidates.push_back(m.film_id);
  auto model = this->model();
  // Nothing else playing: an empty list, not "any film" (an empty span means no restriction).
  std::vector<Suggestion> ranked;
  if (!candidates.empty()) {
    auto rank = [model, target = *current, candidates, limit]() {
      return model->similar(target, candidates, limit);
    };
    ranked = co_await cpu_.run(std::move(rank));
  }
  co_return co_await assemble(std::move(ranked), std::move(movies), Strategy::item_cf);
}

std::string RecommendationService::render_metrics() const {
  auto m = model();
  return fmt::format(
      "# HELP cinestream_recommend_model_builds_total Recommendation models built.\n"
      "# TYPE cinestream_recommend_model_builds_total counter\n"
      "cinestream_recommend_model_builds_total {}\n"
      "# HELP cinestream_recommend_model_build_failures_total Model refreshes that failed.\n"
      "# TYPE cinestream_recommend_model_build_failures_total counter\n"
      "cinestream_recommend_model_build_failures_total {}\n"
      "# HELP cinestream_recommend_model_build_ms How long the last refresh took.\n"
      "# TYPE cinestream_recommend_model_build_ms gauge\n"
      "cinestream_recommend_model_build_ms {}\n"
      "# HELP cinestream_recommend_model_ratings Ratings in the current model.\n"
      "# TYPE cinestream_recommend_model_ratings gauge\n"
      "cinestream_recommend_model_ratings {}\n"
      "# HELP cinestream_recommend_model_bytes Memory the current model holds.\n"
      "# TYPE cinestream_recommend_model_bytes gauge\n"
      "cinestream_recommend_model_bytes {}\n",
      builds_.load(), build_failures_.load(), last_build_ms_.load(), m->ratings(),
      m->memory_bytes());
}

}  // namespace cinestream::recommend
