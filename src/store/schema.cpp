#include "cinestream/store/schema.hpp"

#include <fmt/format.h>

namespace cinestream {

SchemaTooNew::SchemaTooNew(int found, int known)
    : std::runtime_error(fmt::format(
          "the store's schema is at version {}, newer than this binary's {}: it was written by a "
          "newer CineStream; run that version (or a newer one), never an older one, on this store",
          found, known)),
      found_(found),
      known_(known) {}

}  // namespace cinestream
