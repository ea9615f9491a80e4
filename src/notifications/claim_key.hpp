#pragma once
// The key of a (user, film, city) claim, the same on both backends.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cinestream::notifications {

inline std::string claim_key(std::string_view user_id, std::int64_t film_id,
                             std::string_view city) {
  return fmt::format("{}|{}|{}", user_id, film_id, city);
}

}  // namespace cinestream::notifications
