// Fills a data directory through the store (not by hand) with the stand-in's world: N cities,
// each with its cinemas, movies and two weeks of showtimes, for the read-path benchmarks.
// Usage: cinestream_bench_seed --data-dir DIR [--cities 100] [--seed 1] [--cinemas 10] [--movies
// 15]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/gemini_sim/world.hpp"
#include "cinestream/store/database.hpp"

namespace cs = cinestream;

int main(int argc, char** argv) {
  std::string data_dir;
  int cities = 100;
  cs::gemini_sim::WorldOptions world_options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--data-dir") data_dir = argv[i + 1];
    if (flag == "--cities") cities = std::stoi(argv[i + 1]);
    if (flag == "--seed") world_options.seed = std::stoull(argv[i + 1]);
    if (flag == "--cinemas") world_options.cinemas = std::stoi(argv[i + 1]);
    if (flag == "--movies") world_options.movies = std::stoi(argv[i + 1]);
  }
  if (data_dir.empty()) {
    fmt::print(stderr, "usage: cinestream_bench_seed --data-dir DIR [--cities N] [--seed S]\n");
    return 2;
  }
  auto store = cs::open_store({data_dir, "", 1});
  store->ensure_schema();
  auto locations = cs::bundled_locations();
  store->locations().seed_locations(locations);
  cs::CityCatalog catalog(locations);
  cs::gemini_sim::World world(world_options);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::size_t total = 0;
  for (int c = 0; c < cities && c < static_cast<int>(catalog.all().size()); ++c) {
    const auto& city = catalog.all()[static_cast<std::size_t>(c)];
    const auto* zone = catalog.zone(city);
    auto cinemas = world.cinemas(city);
    auto movies = world.movies(city);
    auto today = cs::local_date(zone, now);
    std::vector<std::string> covered;
    std::map<std::size_t, cs::Movie> batch;
    for (int d = 0; d < 14; ++d) {
      date::year_month_day day{date::sys_days{today} + date::days{d}};
      covered.push_back(cs::format_iso_date(day));
      for (const auto& s : world.showtimes(city, zone, day)) {
        auto& m = batch[s.movie];
        if (m.title.en.empty()) {
          m.title = movies[s.movie].title;
          m.description = movies[s.movie].description;
        }
        const auto& cinema = cinemas[s.cinema];
        auto t = std::find_if(m.theaters.begin(), m.theaters.end(),
                              [&](const cs::Theater& th) { return th.name == cinema.name; });
        if (t == m.theaters.end()) {
          m.theaters.push_back({cinema.name, cinema.address, cinema.website, {}});
          t = std::prev(m.theaters.end());
        }
        t->showtimes.push_back({s.start, s.format, s.language, s.hall});
        ++total;
      }
    }
    std::vector<cs::Movie> list;
    for (auto& [k, m] : batch)
      list.push_back(std::move(m));
    store->showtimes().merge_movies(city.id, list, now);
    store->coverage().mark_covered(city.id, covered, now);
  }
  fmt::print("seeded {} cities, {} showtimes into {}\n", cities, total, data_dir);
  return 0;
}
