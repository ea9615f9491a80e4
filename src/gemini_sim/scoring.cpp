#include "cinestream/gemini_sim/scoring.hpp"

#include <boost/json.hpp>

#include <set>
#include <tuple>

#include "cinestream/text/name_matching.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::gemini_sim {
namespace {

using Row = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::string first_key(const std::vector<std::string>& keys) {
  return keys.empty() ? std::string() : keys.front();
}

}  // namespace

Score score(const World& world, const Location& city, const date::time_zone* zone,
            date::year_month_day from, int days, const std::vector<Movie>& movies) {
  // Identity, not spelling: a stored cinema is the world's cinema with its website, or one of
  // whose spellings it carries; a stored movie likewise. Anything else keeps its own key and
  // can only count against precision.
  auto cinemas = world.cinemas(city);
  auto films = world.movies(city);
  auto cinema_id = [&](const Theater& t) {
    for (const auto& c : cinemas) {
      if (!t.website.empty() && t.website == c.website) return "#" + c.name;
    }
    auto key = normalize_key(t.name);
    for (const auto& c : cinemas) {
      for (const auto& sp : world.cinema_spellings(city, c)) {
        if (normalize_key(sp) == key) return "#" + c.name;
      }
    }
    return first_key(text::cinema_keys(t.name));
  };
  auto movie_id = [&](std::string_view title) {
    auto key = normalize_key(title);
    for (const auto& m : films) {
      for (const auto& sp : world.movie_spellings(m)) {
        if (normalize_key(sp) == key) return "#" + m.title.en;
      }
    }
    return first_key(text::movie_keys(title));
  };
  std::set<Row> truth;
  for (int d = 0; d < days; ++d) {
    date::year_month_day day{date::sys_days{from} + date::days{d}};
    for (const auto& s : world.showtimes(city, zone, day)) {
      truth.insert({"#" + films[s.movie].title.en, "#" + cinemas[s.cinema].name,
                    format_local_time(zone, s.start), s.format, s.language});
    }
  }
  std::set<Row> stored;
  for (const auto& m : movies) {
    auto mid = movie_id(m.title.in(Lang::en));
    for (const auto& t : m.theaters) {
      auto cid = cinema_id(t);
      for (const auto& s : t.showtimes) {
        stored.insert({mid, cid, format_local_time(zone, s.start), s.format, s.language});
      }
    }
  }
  Score out{truth.size(), stored.size(), 0};
  for (const auto& r : stored)
    out.matched += truth.contains(r);
  return out;
}

}  // namespace cinestream::gemini_sim
