#include "cinestream/catalog/catalog_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cinestream/catalog/film_ids.hpp"

namespace cinestream::catalog {
namespace asio = boost::asio;

namespace {

SysSeconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Follows merges from `id` to the film that stands for it now.
std::optional<Film> current_film(FilmRepository& films, std::int64_t id) {
  auto film = films.find(id);
  for (int hops = 0; film && film->merged_into != 0 && hops < 8; ++hops)
    film = films.find(film->merged_into);
  return film;
}

}  // namespace

asio::awaitable<LinkReport> CatalogService::link_pending() {
  auto pass = [](CatalogStore& s) {
    LinkReport total;
    // A bounded number of batches per pass: a huge backlog is worked off over several passes.
    for (int i = 0; i < 20; ++i) {
      auto r = catalog::link_pending(*s.films, *s.links, now_seconds());
      total.linked += r.linked;
      total.created += r.created;
      if (r.linked + r.created == 0) break;
    }
    return total;
  };
  auto report = co_await store_.call(pass);
  linked_ += static_cast<std::int64_t>(report.linked);
  created_ += static_cast<std::int64_t>(report.created);
  co_return report;
}

asio::awaitable<void> CatalogService::run_linker(std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool failing = false;
  for (;;) {
    try {
      auto report = co_await link_pending();
      if (report.linked + report.created > 0)
        spdlog::info("catalog: linked {} movies to films, {} new films", report.linked,
                     report.created);
      if (failing) spdlog::info("catalog linker: store reachable again");
      failing = false;
    } catch (const std::exception& e) {
      ++link_failures_;
      if (!failing) spdlog::warn("catalog linker: {}", e.what());
      failing = true;
    }
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

asio::awaitable<FilmDetails> CatalogService::details(std::int64_t id, std::string city,
                                                     std::chrono::hours horizon) {
  auto query = [id, city = std::move(city), horizon](CatalogStore& s) {
    auto film = current_film(*s.films, id);
    if (!film) throw CatalogError(404, "movie_not_found", "no film has this id");
    FilmDetails d;
    d.film = std::move(*film);
    auto now = now_seconds();
    d.places = s.links->places(d.film.id, now);
    if (!city.empty()) {
      for (auto& m : s.showtimes->movies_between(city, now, now + horizon))
        if (m.film_id == d.film.id) d.in_city.push_back(std::move(m));
    }
    return d;
  };
  co_return co_await store_.call(std::move(query));
}

asio::awaitable<std::optional<std::int64_t>> CatalogService::current_id(std::int64_t id) {
  auto query = [id](CatalogStore& s) -> std::optional<std::int64_t> {
    auto film = current_film(*s.films, id);
    if (!film) return std::nullopt;
    return film->id;
  };
  co_return co_await store_.call(query);
}

asio::awaitable<FilmPage> CatalogService::list(FilmQuery query, std::string playing_in) {
  auto run = [query = std::move(query), city = std::move(playing_in)](CatalogStore& s) mutable {
    if (!city.empty()) query.ids = s.links->films_playing(city, now_seconds());
    return s.films->list(query);
  };
  co_return co_await store_.call(std::move(run));
}

asio::awaitable<void> CatalogService::merge(std::int64_t from, std::int64_t into) {
  auto run = [from, into](CatalogStore& s) {
    if (from == into) throw CatalogError(409, "same_movie", "a film cannot be merged into itself");
    auto source = s.films->find(from);
    auto target = current_film(*s.films, into);
    if (!source || !target) throw CatalogError(404, "movie_not_found", "no film has this id");
    if (source->merged_into != 0)
      throw CatalogError(409, "already_merged", "this film was merged into another already");
    if (target->id == from)
      throw CatalogError(409, "same_movie", "that film was merged into this one");
    // The links move first: if the process stops in between, re-running the merge finishes it.
    s.links->relink(from, target->id);
    s.films->complete(target->id, *source, now_seconds());
    s.films->mark_merged(from, target->id, now_seconds());
  };
  co_await store_.call(run);
}

asio::awaitable<std::int64_t> CatalogService::split(std::string city_id, std::int64_t movie_id) {
  auto run = [city = std::move(city_id), movie_id](CatalogStore& s) {
    std::optional<FilmPlace> place;
    for (const auto& m : s.links->linked_titles())
      if (m.id == movie_id && m.city_id == city) place = FilmPlace{m.city_id, m.id, m.title, 0};
    if (!place)
      throw CatalogError(404, "movie_not_found", "no linked movie has this id in this city");
    Movie movie;
    movie.id = place->movie_id;
    movie.city_id = place->city_id;
    movie.title = place->title;
    auto film = film_from_movie(movie, now_seconds());
    film.id = split_film_id(city, movie_id);
    s.films->create(film);
    s.links->link(city, {FilmLink{movie_id, film.id}});
    return film.id;
  };
  co_return co_await store_.call(run);
}

std::string CatalogService::render_metrics() const {
  return fmt::format(
      "# HELP cinestream_catalog_links_total City movies linked to catalogue films, by outcome.\n"
      "# TYPE cinestream_catalog_links_total counter\n"
      "cinestream_catalog_links_total{{outcome=\"existing_film\"}} {}\n"
      "cinestream_catalog_links_total{{outcome=\"new_film\"}} {}\n"
      "# HELP cinestream_catalog_link_failures_total Linker passes that failed.\n"
      "# TYPE cinestream_catalog_link_failures_total counter\n"
      "cinestream_catalog_link_failures_total {}\n",
      linked_.load(), created_.load(), link_failures_.load());
}

}  // namespace cinestream::catalog
