#include "cinestream/catalog/film_linker.hpp"

#include <map>
#include <string>
#include <vector>

#include "cinestream/catalog/film_ids.hpp"
#include "cinestream/catalog/film_matcher.hpp"

namespace cinestream::catalog {

Film film_from_movie(const Movie& movie, SysSeconds now) {
  Film f;
  f.id = film_id_for(movie.title);
  f.title.en = movie.title.en;
  f.title.uk = movie.title.ua;
  f.title.ru = movie.title.ru;
  // The local title is what the cinemas print: the original when it is neither of the others.
  if (movie.title.local != movie.title.ua && movie.title.local != movie.title.ru)
    f.title.original = movie.title.local;
  f.overview = movie.description;
  f.poster_url = movie.image_url;
  f.poster_path = movie.image_path;
  f.created_at = now;
  f.updated_at = now;
  return f;
}

LinkReport link_pending(FilmRepository& films, FilmLinkRepository& links, SysSeconds now,
                        std::size_t batch) {
  LinkReport report;
  auto pending = links.unlinked_movies(batch);
  if (pending.empty()) return report;
  FilmMatcher matcher;
  for (const auto& f : films.all_current())
    matcher.add_film(f);
  for (const auto& m : links.linked_titles())
    matcher.add_names(m.film_id, m.title);

  std::map<std::string, std::vector<FilmLink>> by_city;
  for (const auto& movie : pending) {
    std::int64_t film_id = 0;
    if (auto found = matcher.match(movie.title)) {
      film_id = *found;
      films.complete(film_id, film_from_movie(movie, now), now);
      ++report.linked;
    } else {
      auto film = film_from_movie(movie, now);
      film_id = film.id;
      if (films.create(film)) {
        ++report.created;
      } else {
        // Made meanwhile (another process, or a film merged away since): follow merges.
        for (int hops = 0; hops < 8; ++hops) {
          auto stored = films.find(film_id);
          if (!stored || stored->merged_into == 0) break;
          film_id = stored->merged_into;
        }
        films.complete(film_id, film, now);
        ++report.linked;
      }
    }
    matcher.add_names(film_id, movie.title);
    by_city[movie.city_id].push_back(FilmLink{movie.id, film_id});
  }
  for (const auto& [city, city_links] : by_city)
    links.link(city, city_links);
  return report;
}

}  // namespace cinestream::catalog
