#pragma once
// The stand-in's generated world: for any city, cinemas with addresses and websites, movies with
// titles in en/ua/ru and posters, and showtimes in the city's local time. Deterministic from the
// seed: a day's showtimes depend only on (seed, city, day), so the horizon can roll forward and
// every run, process and test sees the same truth.
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/domain/movie.hpp"

namespace cinestream::gemini_sim {

struct SimCinema {
  std::string name;
  std::string address;
  std::string website;
};

struct SimMovie {
  std::string slug;  // poster file name
  MovieTitles title;
  LocalizedText description;
};

struct SimShowtime {
  std::size_t cinema;  // index into cinemas()
  std::size_t movie;   // index into movies()
  SysSeconds start;
  std::string format;
  std::string language;
  std::string hall;
};

struct WorldOptions {
  std::uint64_t seed = 1;
  int cinemas = 10;
  int movies = 15;
  // 0: websites are "https://<slug>.example". Otherwise the stand-in serves them (sim_sites.hpp)
  // and each cinema's website is "http://<slug>-<city-id>.localhost:<site_port>/": a host of its
  // own per cinema per city, on loopback (RFC 6761).
  std::uint16_t site_port = 0;
};

class World {
 public:
  explicit World(WorldOptions options) : options_(options) {}

  const WorldOptions& options() const { return options_; }
  // Not synchronised: set before the world is shared between threads (SimServer::start does it
  // before its serving thread starts).
  void set_site_port(std::uint16_t port) { options_.site_port = port; }
  std::vector<SimCinema> cinemas(const Location& city) const;
  std::vector<SimMovie> movies(const Location& city) const;
  // Every showtime of one local day, ordered by start.
  std::vector<SimShowtime> showtimes(const Location& city, const date::time_zone* zone,
                                     date::year_month_day day) const;
  // The ground truth for [from, from + days): cinemas, movies and showtimes, as JSON rows
  // {movie (en title), cinema, start_time (local with offset), format, language, hall}.
  boost::json::value truth(const Location& city, const date::time_zone* zone,
                           date::year_month_day from, int days) const;
  // The ways answers spell a cinema or a movie besides its own name (first in the list): letter
  // case, Ukrainian and Russian, informal romanisation, generic words, the city's names.
  std::vector<std::string> cinema_spellings(const Location& city, const SimCinema& c) const;
  std::vector<std::string> movie_spellings(const SimMovie& m) const;
  // A small PNG poster for the movie (valid image, deterministic colours).
  std::string poster_png(std::string_view slug) const;

 private:
  std::uint64_t mix(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0,
                    std::uint64_t d = 0) const;
  WorldOptions options_;
};

// The host of a cinema's own site when the stand-in serves sites: "<slug>-<city-id>.localhost".
std::string sim_site_host(const Location& city, std::string_view cinema_name);

// Local "HH:MM" wall time of each of the day's slots is chosen from these (10:00 .. 22:45).
std::string sim_language_of(const Location& city, std::size_t which);

}  // namespace cinestream::gemini_sim
