#pragma once
// The visitor counter's stored total.
#include <cstdint>

#include "cinestream/store/errors.hpp"

namespace cinestream {

class VisitRepository {
 public:
  virtual ~VisitRepository() = default;

  // Adds n (ignored unless positive); one atomic increment on both backends.
  virtual void add_visits(std::int64_t n) = 0;
  virtual std::int64_t visits() = 0;
};

}  // namespace cinestream
