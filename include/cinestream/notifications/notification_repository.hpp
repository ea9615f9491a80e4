#pragma once
// Notices of films arriving in a city ("now_playing"), each user's notification settings, the
// claims that make every notice and digest exactly once across processes, and what the notifier
// has seen playing per city (tables/collections notify_*, migrations of module "notifications").
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/mail/message.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream::notifications {

inline constexpr std::size_t kMaxFollowedCities = 10;

struct Notice {
  std::int64_t id = 0;  // increasing; shown as a decimal string
  std::string user_id;
  std::int64_t film_id = 0;
  std::string city;
  std::string kind = "now_playing";
  SysSeconds created_at{};
  std::optional<SysSeconds> read_at;
};

struct Settings {
  bool in_app = true;
  bool push = true;
  bool email_digest = false;
  std::vector<std::string> followed_cities;
};

// A film the notifier saw start playing in a city; `pending` until its watchers were notified.
struct Arrival {
  std::int64_t film_id = 0;
  std::string city;
  SysSeconds first_seen_at{};
};

struct ScanResult {
  bool baseline = false;    // the city's first scan: what plays is recorded, nobody is notified
  std::size_t arrived = 0;  // new arrivals (pending)
  std::size_t gone = 0;     // films no longer playing, forgotten (a return arrives again)
};

struct NoticePage {
  std::vector<Notice> notices;  // newest first
  std::int64_t unread = 0;      // all the user's unread notices
};

// A user with the email digest on and notices since their last digest.
struct DigestDue {
  std::string user_id;
  std::vector<Notice> notices;  // oldest first, bounded
};

struct DigestScan {
  std::vector<DigestDue> due;
  std::string last_user;  // the last candidate looked at
  bool more = false;      // `users` candidates were looked at: there may be others after
};

class NotificationRepository {
 public:
  virtual ~NotificationRepository() = default;

  // Records what plays in the city now. The first scan of a city is its baseline (films playing
  // before the notifier watched the city never "arrive"); afterwards a film not recorded is a
  // pending arrival first seen `now`, and a recorded film no longer playing is forgotten.
  // SQLite: one transaction. MongoDB: the city's marker is `ready` only after its baseline, and
  // until then every process records the baseline (idempotent upserts).
  virtual ScanResult scan_city(std::string_view city, const std::vector<std::int64_t>& playing,
                               SysSeconds now) = 0;
  virtual std::vector<Arrival> pending_arrivals(std::size_t limit) = 0;
  // Its watchers were all handled; several processes may finish one arrival.
  virtual void finish_arrival(std::int64_t film_id, std::string_view city) = 0;

  // The claim of (user, film, city) and its notice: the notice is created only when no notice of
  // the same film and city reached the user within `window` before `now`. Returns it, or nullopt
  // when the claim was taken. SQLite: one transaction (an upsert conditional on
  // last_notified_at). MongoDB: an upsert of the claim with last_notified_at at the epoch, then
  // one update filtered on last_notified_at < now - window; the process whose update matched
  // creates the notice. `read` creates it already read (in-app notices off).
  virtual std::optional<Notice> claim_notice(std::string_view user_id, std::int64_t film_id,
                                             std::string_view city, SysSeconds now,
                                             std::chrono::seconds window, bool read) = 0;

  // Newest first; `before` (an id, 0: none) pages back; `unread_only` filters.
  virtual NoticePage notices(std::string_view user_id, bool unread_only, std::int64_t before,
                             std::size_t limit) = 0;
  // Oldest first, the notices with an id above `after_id` (a page catching up on live notices).
  virtual std::vector<Notice> since(std::string_view user_id, std::int64_t after_id,
                                    std::size_t limit) = 0;
  // Marks the user's notices read (another user's ids match nothing); returns how many changed.
  virtual std::size_t mark_read(std::string_view user_id, const std::vector<std::int64_t>& ids,
                                SysSeconds now) = 0;
  virtual std::size_t mark_all_read(std::string_view user_id, SysSeconds now) = 0;

  // Defaults when the user never saved any.
  virtual Settings settings(std::string_view user_id) = 0;
  virtual void save_settings(std::string_view user_id, const Settings& s, SysSeconds now) = 0;

  // Users with the digest on and no digest of `day` (YYYY-MM-DD) yet, by user id after
  // `after_user`, `users` at most, each with its notices after its last digest (those with none
  // are left out of `due`; `last_user` and `more` let the caller go on from there).
  virtual DigestScan digests_due(std::string_view day, std::string_view after_user,
                                 std::size_t users, std::size_t notices_per_user) = 0;
  // Claims the user's digest of `day`: one conditional update of the user's settings (digest_day
  // differs from `day`), which also moves the digest mark to `up_to_id`; the claimer queues
  // `message` in the outbox: SQLite in the same transaction, MongoDB right after the claim. False
  // when another process (or an earlier run) had the claim.
  virtual bool claim_digest(std::string_view user_id, std::string_view day, std::int64_t up_to_id,
                            const mail::Message& message, SysSeconds now) = 0;

  // Everything of the user (account deletion).
  virtual void erase_user(std::string_view user_id) = 0;
};

}  // namespace cinestream::notifications
