#pragma once
// The movie-centric data model: movie -> theaters -> showtimes (docs/data-model.md).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cinestream/domain/language.hpp"
#include "cinestream/domain/location.hpp"

namespace cinestream {

struct Showtime {
  SysSeconds start;      // instant; rendered in the city's zone
  std::string format;    // "2D", "3D", "IMAX", ...
  std::string language;  // "original", "Ukrainian dubbing", ...
  std::string hall;
};

struct Theater {
  std::string name;
  std::string address;
  std::string website;
  std::vector<Showtime> showtimes;
};

struct MovieTitles {
  std::string en;
  std::string local;
  std::string ua;
  std::string ru;

  const std::string& in(Lang lang) const;
};

struct Movie {
  std::int64_t id = 0;       // store-assigned; 0 for scraped input
  std::int64_t film_id = 0;  // the catalogue film it is (module catalog); 0 until linked
  std::string city_id;
  MovieTitles title;
  LocalizedText description;
  std::string image_url;   // where the poster came from
  std::string image_path;  // where the poster is served from, once downloaded
  std::vector<Theater> theaters;
  SysSeconds created_at{};
  SysSeconds updated_at{};
};

// What a merge changed; the scraper reports it and tests assert it.
struct MergeStats {
  int movies_added = 0;
  int theaters_added = 0;
  int showtimes_added = 0;
  int showtimes_duplicate = 0;
};

}  // namespace cinestream
