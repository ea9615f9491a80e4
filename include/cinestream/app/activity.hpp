#pragma once
// What a signed-in visitor did that a feature may remember (module library keeps these implicit
// interactions for recommendations): the routes that see it happen (film details, a search, a
// calendar export) note it here, and the feature that records it sets the sink at install. A
// forwarder in App, so neither side depends on the other and the order of installs does not
// matter; a request that notes nothing pays nothing.
#include <cstdint>
#include <string_view>

namespace cinestream {

enum class ActivityKind { viewed_details, opened_showtimes, exported_calendar, searched };
std::string_view to_string(ActivityKind k);

struct ActivityNote {
  std::string_view user_id;
  ActivityKind kind = ActivityKind::viewed_details;
  std::int64_t film_id = 0;      // the catalogue film, 0 when none (a search)
  std::string_view detail = {};  // the search text
};

class ActivitySink {
 public:
  virtual ~ActivitySink() = default;
  // Called on an io thread in the middle of a request: must not block.
  virtual void note(const ActivityNote& n) noexcept = 0;
};

class Activity {
 public:
  // At install time, before the loops run.
  void set_sink(ActivitySink* sink) { sink_ = sink; }
  void note(const ActivityNote& n) const noexcept {
    if (sink_ && !n.user_id.empty()) sink_->note(n);
  }

 private:
  ActivitySink* sink_ = nullptr;
};

}  // namespace cinestream
