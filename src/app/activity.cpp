#include "cinestream/app/activity.hpp"

namespace cinestream {

std::string_view to_string(ActivityKind k) {
  switch (k) {
    case ActivityKind::viewed_details:
      return "viewed_details";
    case ActivityKind::opened_showtimes:
      return "opened_showtimes";
    case ActivityKind::exported_calendar:
      return "exported_calendar";
    case ActivityKind::searched:
      return "searched";
  }
  return "viewed_details";
}

}  // namespace cinestream
