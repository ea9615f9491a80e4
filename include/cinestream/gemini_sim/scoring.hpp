#pragma once
// Recall and precision of scraped showtimes against the stand-in's ground truth. Rows are
// compared by identity, not spelling: a stored cinema is the world's cinema whose website it
// carries or one of whose spellings (World::cinema_spellings) it bears, so "Кінотеатр «Оскар
// Лавина»" is still Oskar Lavina; the agent's own resolver plays no part in the verdict.
#include <vector>

#include "cinestream/domain/movie.hpp"
#include "cinestream/gemini_sim/world.hpp"

namespace cinestream::gemini_sim {

struct Score {
  std::size_t truth = 0;    // showtimes in the world
  std::size_t stored = 0;   // distinct showtimes stored
  std::size_t matched = 0;  // stored ones that are in the world
  double recall() const {
    return truth ? static_cast<double>(matched) / static_cast<double>(truth) : 0;
  }
  double precision() const {
    return stored ? static_cast<double>(matched) / static_cast<double>(stored) : 0;
  }
};

// `movies`: what the store holds for the city over the same days.
Score score(const World& world, const Location& city, const date::time_zone* zone,
            date::year_month_day from, int days, const std::vector<Movie>& movies);

}  // namespace cinestream::gemini_sim
