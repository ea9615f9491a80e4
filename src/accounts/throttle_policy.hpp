#pragma once
// The arithmetic both backends share: how long a key is locked after `failures` failures.
#include <algorithm>
#include <optional>

#include "cinestream/accounts/login_throttle.hpp"

namespace cinestream::accounts {

inline std::optional<std::chrono::seconds> lock_after(std::int64_t failures,
                                                      const ThrottlePolicy& p) {
  if (failures <= p.free_failures) return std::nullopt;
  auto extra = std::min<std::int64_t>(failures - p.free_failures - 1, 20);
  auto lock = p.first_lock * (std::int64_t{1} << extra);
  return std::min(lock, p.max_lock);
}

}  // namespace cinestream::accounts
