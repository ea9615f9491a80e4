#pragma once
// A signed-in visitor's library: ratings (0.5-5.0 in half steps, kept as 1-10 half stars), and
// marks (watchlist, seen with an optional date, hidden) on catalogue films; and each film's
// rating aggregate (sum and count), kept up to date by every rating change rather than
// recomputed per request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream::library {

enum class MarkKind { watchlist, seen, hidden };
std::string_view to_string(MarkKind k);

struct Rating {
  std::int64_t film_id = 0;
  int half_stars = 0;  // 1..10
  SysSeconds at{};
};

struct Mark {
  std::int64_t film_id = 0;
  MarkKind kind = MarkKind::watchlist;
  std::string watched_on;  // "YYYY-MM-DD" for seen, when given
  SysSeconds at{};
};

struct Library {
  std::vector<Rating> ratings;
  std::vector<Mark> marks;
};

// A user with the film on their watchlist, and since when.
struct Watcher {
  std::string user_id;
  SysSeconds since{};
};

// One rating with its user: what a model over everyone's ratings reads (module recommend).
struct UserRating {
  std::string user_id;
  std::int64_t film_id = 0;
  int half_stars = 0;  // 1..10
};

struct RatingSummary {
  std::int64_t half_star_sum = 0;
  std::int64_t count = 0;
};

class LibraryRepository {
 public:
  virtual ~LibraryRepository() = default;

  // Sets the user's rating of the film; returns whether it changed. The aggregate moves by the
  // difference. SQLite: one transaction. MongoDB: the rating by compare-and-set on its old value,
  // then one $inc of the aggregate (a crash between the two leaves the aggregate off by this
  // rating until recount()).
  virtual bool rate(std::string_view user_id, std::int64_t film_id, int half_stars,
                    SysSeconds now) = 0;
  // Removes the rating; false when there was none. Same atomicity as rate().
  virtual bool unrate(std::string_view user_id, std::int64_t film_id) = 0;
  // Sets a mark (again: updates its date); returns whether it was new. One upsert on a unique key.
  virtual bool mark(std::string_view user_id, std::int64_t film_id, MarkKind kind,
                    std::string_view watched_on, SysSeconds now) = 0;
  virtual bool unmark(std::string_view user_id, std::int64_t film_id, MarkKind kind) = 0;
  virtual Library library(std::string_view user_id) = 0;
  // The users with the film on their watchlist since `before` or earlier, by user id after
  // `after_user`, `limit` at most (module notifications pages through them).
  virtual std::vector<Watcher> watchers(std::int64_t film_id, SysSeconds before,
                                        std::string_view after_user, std::size_t limit) = 0;
  virtual RatingSummary summary(std::int64_t film_id) = 0;
  // Every user's ratings in (user_id, film_id) order after that key, `limit` at most: readers page
  // through all ratings without holding one long cursor (or transaction) open.
  virtual std::vector<UserRating> ratings_after(std::string_view user_id, std::int64_t film_id,
                                                std::size_t limit) = 0;
  // Recomputes one film's aggregate from its ratings.
  virtual void recount(std::int64_t film_id) = 0;
  // Everything of the user, and the user's ratings out of the aggregates.
  virtual void erase_user(std::string_view user_id) = 0;
};

}  // namespace cinestream::library
