#pragma once
// The bundled cities, loaded once per test binary.
#include "cinestream/cities/city_catalog.hpp"

namespace cinestream::testing {

inline const CityCatalog& bundled_catalog() {
  static const CityCatalog catalog(bundled_locations());
  return catalog;
}

}  // namespace cinestream::testing
