#pragma once
// Small, hand-checkable data sets for store and API tests.
#include <chrono>
#include <string>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/domain/movie.hpp"

namespace cinestream::testing {

inline Location test_location(std::string id, std::string en, std::string ua, std::string ru,
                              double lat, double lon, std::string tz = "Europe/Kyiv") {
  Location l;
  l.id = std::move(id);
  l.name = {std::move(en), std::move(ua), std::move(ru)};
  l.country = {"Ukraine", "Україна", "Украина"};
  l.country_code = "UA";
  l.geo = {lat, lon};
  l.tz = std::move(tz);
  return l;
}

inline std::vector<Location> test_locations() {
  return {test_location("kyiv", "Kyiv", "Київ", "Киев", 50.4501, 30.5234),
          test_location("lviv", "Lviv", "Львів", "Львов", 49.8397, 24.0297),
          test_location("london", "London", "Лондон", "Лондон", 51.5072, -0.1276, "Europe/London")};
}

inline SysSeconds utc(int y, unsigned m, unsigned d, int hh, int mm) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

inline Movie test_movie(std::string en, std::string ua, std::vector<Theater> theaters) {
  Movie m;
  m.title.en = std::move(en);
  m.title.ua = std::move(ua);
  m.title.local = m.title.ua;
  m.description = {"About " + m.title.en, "Про " + m.title.ua, ""};
  m.image_url = "https://posters.example/" + m.title.en + ".jpg";
  m.theaters = std::move(theaters);
  return m;
}

inline Theater test_theater(std::string name, std::string address, std::vector<Showtime> times) {
  return Theater{std::move(name), std::move(address), "https://cinema.example", std::move(times)};
}

}  // namespace cinestream::testing
