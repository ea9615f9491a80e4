#include "cinestream/gemini_sim/scoring.hpp"

#include <boost/json.hpp>

#include <set>
#include <tuple>

#include "cinestream/text/name_matching.hpp"

namespace cinestream::gemini_sim {
namespace {

using Row = std::tuple<std::string, std::string, std::string, std::string, std::string>;

Row row_of(std::string_view movie, std::string_view cinema, std::string start, std::string format,
           std::string language) {
  auto m = text::movie_keys(movie);
  auto c = text::cinema_keys(cinema);
  return {m.empty() ? std::string() : m.front(), c.empty() ? std::string() : c.front(),
          std::move(start), std::move(format), std::move(language)};
}

}  // namespace

Score score(const World& world, const Location& city, const date::time_zone* zone,
            date::year_month_day from, int days, const std::vector<Movie>& movies) {
  std::set<Row> truth;
  auto doc = world.truth(city, zone, from, days);
  for (const auto& r : doc.as_object().at("showtimes").as_array()) {
    const auto& o = r.as_object();
    truth.insert(row_of(o.at("movie").as_string(), o.at("cinema").as_string(),
                        std::string(o.at("start_time").as_string()),
                        std::string(o.at("format").as_string()),
                        std::string(o.at("language").as_string())));
  }
  std::set<Row> stored;
  for (const auto& m : movies) {
    for (const auto& t : m.theaters) {
      for (const auto& s : t.showtimes) {
        stored.insert(row_of(m.title.in(Lang::en), t.name, format_local_time(zone, s.start),
                             s.format, s.language));
      }
    }
  }
  Score out{truth.size(), stored.size(), 0};
  for (const auto& r : stored)
    out.matched += truth.contains(r);
  return out;
}

}  // namespace cinestream::gemini_sim
