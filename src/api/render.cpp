#include "cinestream/api/render.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "cinestream/http/json_text.hpp"

namespace cinestream::api {
namespace json = boost::json;

const std::string& poster_of(const Movie& m) {
  return m.image_path.empty() ? m.image_url : m.image_path;
}

namespace {

json::object city_json(const CityView& city, Lang lang) {
  json::object o;
  o["id"] = city.location.id;
  o["name"] = city.location.name.in(lang);
  o["country"] = city.location.country.in(lang);
  o["tz"] = city.location.tz;
  return o;
}

json::object titles_json(const MovieTitles& t) {
  return {{"en", t.en}, {"local", t.local}, {"ua", t.ua}, {"ru", t.ru}};
}

}  // namespace

std::string render_showtimes(const CityView& city, date::year_month_day day, Lang lang,
                             const std::vector<Movie>& movies, bool demo) {
  struct Row {
    const Movie* movie;
    const Theater* theater;
    const Showtime* showtime;
  };
  std::vector<Row> rows;
  for (const auto& m : movies) {
    for (const auto& t : m.theaters) {
      for (const auto& s : t.showtimes)
        rows.push_back({&m, &t, &s});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [lang](const Row& a, const Row& b) {
    return std::tie(a.showtime->start, a.movie->title.in(lang), a.theater->name) <
           std::tie(b.showtime->start, b.movie->title.in(lang), b.theater->name);
  });
  json::array items;
  items.reserve(rows.size());
  for (const auto& r : rows) {
    json::object o;
    o["movie_id"] = r.movie->id;
    // The catalogue film (GET /api/catalog/movies/{id}); null until the linker has placed it.
    o["film_id"] = r.movie->film_id ? json::value(r.movie->film_id) : json::value(nullptr);
    o["movie"] = r.movie->title.in(lang);
    o["theater"] = r.theater->name;
    o["address"] = r.theater->address;
    o["website"] = r.theater->website;
    o["start_time"] = format_local_time(city.zone, r.showtime->start);
    o["format"] = r.showtime->format;
    o["language"] = r.showtime->language;
    o["hall"] = r.showtime->hall;
    o["poster"] = poster_of(*r.movie);
    items.push_back(std::move(o));
  }
  json::object doc;
  doc["city"] = city_json(city, lang);
  doc["date"] = format_iso_date(day);
  doc["lang"] = to_string(lang);
  doc["demo"] = demo;
  doc["count"] = items.size();
  doc["showtimes"] = std::move(items);
  return http::json_text(doc);
}

std::string render_movies(const CityView& city, date::year_month_day from, date::year_month_day to,
                          Lang lang, const std::vector<Movie>& movies, bool demo) {
  json::array list;
  for (const auto& m : movies) {
    json::object o;
    o["id"] = m.id;
    o["film_id"] = m.film_id ? json::value(m.film_id) : json::value(nullptr);
    o["title"] = m.title.in(lang);
    o["titles"] = titles_json(m.title);
    o["description"] = m.description.in(lang);
    o["poster"] = poster_of(m);
    json::array theaters;
    for (const auto& t : m.theaters) {
      json::array times;
      for (const auto& s : t.showtimes) {
        times.push_back({{"start_time", format_local_time(city.zone, s.start)},
                         {"format", s.format},
                         {"language", s.language},
                         {"hall", s.hall}});
      }
      theaters.push_back({{"name", t.name},
                          {"address", t.address},
                          {"website", t.website},
                          {"showtimes", std::move(times)}});
    }
    o["theaters"] = std::move(theaters);
    list.push_back(std::move(o));
  }
  json::object doc;
  doc["city"] = city_json(city, lang);
  doc["from"] = format_iso_date(from);
  doc["to"] = format_iso_date(to);
  doc["lang"] = to_string(lang);
  doc["demo"] = demo;
  doc["count"] = list.size();
  doc["movies"] = std::move(list);
  return http::json_text(doc);
}

std::string render_locations(const std::vector<LocationRow>& rows, Lang lang) {
  json::array list;
  list.reserve(rows.size());
  for (const auto& r : rows) {
    const Location& l = *r.location;
    json::object o;
    o["id"] = l.id;
    o["name"] = l.name.in(lang);
    o["names"] = {{"en", l.name.en}, {"ua", l.name.ua}, {"ru", l.name.ru}};
    o["country"] = l.country.in(lang);
    o["country_code"] = l.country_code;
    o["lat"] = l.geo.lat;
    o["lon"] = l.geo.lon;
    o["tz"] = l.tz;
    if (r.distance_km) o["distance_km"] = std::round(*r.distance_km * 10) / 10;
    o["status"] = r.state ? to_string(r.state->status) : "stale";
    o["last_updated"] = r.state && r.state->last_updated
                            ? json::value(format_utc(*r.state->last_updated))
                            : json::value(nullptr);
    list.push_back(std::move(o));
  }
  json::object doc;
  doc["lang"] = to_string(lang);
  doc["count"] = rows.size();
  doc["locations"] = std::move(list);
  return http::json_text(doc);
}

}  // namespace cinestream::api
