#pragma once
// Failed sign-ins counted per key ("email:<address>", "client:<address block>"), shared by every
// process through the store. Past a key's free attempts each further failure locks the key for a
// growing time (doubling, capped); a success clears the email's key.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cinestream/accounts/user.hpp"

namespace cinestream::accounts {

struct ThrottlePolicy {
  int free_failures = 5;                 // within `window`, before any lock
  std::chrono::seconds window{15 * 60};  // failures older than this are forgotten
  std::chrono::seconds first_lock{30};   // the lock after the first failure past the free ones
  std::chrono::seconds max_lock{60 * 60};
};

class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;
  // When the key is locked at `now`, until when.
  virtual std::optional<SysSeconds> locked_until(std::string_view key, SysSeconds now) = 0;
  // Counts a failure (atomically) and returns the lock it caused, if any.
  virtual std::optional<SysSeconds> record_failure(std::string_view key, SysSeconds now,
                                                   const ThrottlePolicy& policy) = 0;
  virtual void clear(std::string_view key) = 0;
};

}  // namespace cinestream::accounts
