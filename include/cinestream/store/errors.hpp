#pragma once
// The errors every repository may throw, whatever its backend.
#include <stdexcept>

namespace cinestream {

// The store could not be reached or answered with an error; the API maps it to 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fenced write by an owner that no longer holds the city's lock; nothing was written.
class LockLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cinestream
