#pragma once
// Posters: the local copy of a movie's poster once downloaded.
#include <cstdint>
#include <string_view>

#include "cinestream/store/errors.hpp"

namespace cinestream {

class PosterRepository {
 public:
  virtual ~PosterRepository() = default;

  // Records the served path of a movie's poster and bumps its city's data_version (cached pages
  // show the local copy). An unknown movie is ignored. SQLite: one transaction; MongoDB: one
  // atomic update of the movie, then the version bump.
  virtual void set_movie_poster(std::int64_t movie_id, std::string_view image_path) = 0;
};

}  // namespace cinestream
