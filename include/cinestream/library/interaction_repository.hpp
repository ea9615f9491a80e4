#pragma once
// A signed-in visitor's implicit interactions (viewed a film's details, opened its showtimes,
// exported one to a calendar, searched): the signal recommendations learn from besides ratings.
// Written in batches by the InteractionRecorder, kept 180 days.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/app/activity.hpp"
#include "cinestream/domain/local_time.hpp"

namespace cinestream::library {

inline constexpr std::size_t kMaxInteractionDetailBytes = 200;

struct Interaction {
  std::string user_id;
  ActivityKind kind = ActivityKind::viewed_details;
  std::int64_t film_id = 0;  // 0: none (a search)
  std::string detail;        // the search text, at most kMaxInteractionDetailBytes
  SysSeconds at{};
};

class InteractionRepository {
 public:
  virtual ~InteractionRepository() = default;
  // One batch in one write (SQLite: one transaction; MongoDB: one insertMany).
  virtual void append(std::span<const Interaction> batch) = 0;
  // The user's newest first, at most `limit`.
  virtual std::vector<Interaction> of_user(std::string_view user_id, std::size_t limit) = 0;
  // Everyone's interactions with a film since `from`, newest first, at most `limit`: the
  // recent-activity signal of popularity (module recommend).
  virtual std::vector<Interaction> recent(SysSeconds from, std::size_t limit) = 0;
  // Deletes what happened before `cutoff`; returns how many.
  virtual std::int64_t prune(SysSeconds cutoff) = 0;
  virtual void erase_user(std::string_view user_id) = 0;
};

// "viewed_details" -> kind; false for anything else.
bool parse_activity_kind(std::string_view s, ActivityKind& out);

}  // namespace cinestream::library
