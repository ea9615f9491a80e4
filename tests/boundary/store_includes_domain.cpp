// Probe: the store module declares domain, so this include compiles (the positive control that
// keeps the negative probe honest: same build, same flags, only the declaration differs).
#include "cinestream/domain/movie.hpp"
#include "cinestream/store/database.hpp"
