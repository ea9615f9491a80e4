#pragma once
// The notifier: every process runs it on one of its loops, and the claims in the store make each
// notice and each digest exactly once however many run.
//
// When a film "arrives" in a city: the notifier scans the cities whose data changed (their
// data_version, bumped by scrapes, the catalogue's linker and admins' merges), plus one other
// city per pass in turn, and records per city which catalogue films have upcoming showtimes
// (NotificationRepository::scan_city). A film recorded for the first time after the city's first
// scan has arrived, first seen then; a film that stops playing is forgotten, so its return
// arrives again. Each arrival notifies the users who had the film on their watchlist when it was
// first seen (at or before that second; a film already playing when it was added did not arrive)
// and whose home city is that city or who follow it: one notice per user, film and city, and none
// again within 30 days.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cinestream/accounts/user_repository.hpp"
#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/library/library_repository.hpp"
#include "cinestream/notifications/notice_hub.hpp"
#include "cinestream/notifications/notification_repository.hpp"
#include "cinestream/store/async_store.hpp"
#include "cinestream/store/film_link_repository.hpp"
#include "cinestream/store/location_repository.hpp"

namespace cinestream::notifications {

struct NotifierStore {
  NotificationRepository* notices = nullptr;
  FilmLinkRepository* links = nullptr;
  LocationRepository* locations = nullptr;
  library::LibraryRepository* library = nullptr;
  accounts::UserRepository* users = nullptr;
  catalog::FilmRepository* films = nullptr;
};

struct NotifierOptions {
  std::chrono::milliseconds interval{5'000};
  int digest_hour = 8;  // UTC: the day's digests go out from this hour on
  std::size_t cities_per_pass = 16;
  std::size_t arrivals_per_pass = 32;
  std::size_t watchers_per_page = 500;
  std::size_t digests_per_pass = 200;           // users with the digest on looked at per pass
  std::chrono::seconds window{30 * 24 * 3600};  // no second notice of a film and city
  std::string public_origin = "http://localhost:8080";  // the link in the digest
  // The city's name in a language (uk, en, ru) for the digest; unset: the id.
  std::function<std::string(std::string_view city, std::string_view lang)> city_name;
  // After digests were queued, so the outbox worker sends them now.
  std::function<void()> mail_queued;
};

struct PassReport {
  std::size_t cities_scanned = 0;
  std::size_t arrivals = 0;  // arrivals handled (their watchers notified)
  std::size_t notices = 0;   // notices this process created
  std::size_t digests = 0;   // digests this process queued
};

class Notifier {
 public:
  Notifier(Async<NotifierStore> store, NoticeHub& hub, NotifierOptions options)
      : store_(store), hub_(hub), options_(std::move(options)) {}

  // One pass at `now`: scans, notifies, and from the digest hour on sends the day's digests.
  boost::asio::awaitable<PassReport> run_once(SysSeconds now);
  // The day's digests at once, whatever the hour (tests, operators). Returns how many were
  // queued by this call.
  boost::asio::awaitable<std::size_t> run_digest_now(SysSeconds now);
  // run_once every interval until the loop stops; a failed pass is logged and the next runs.
  boost::asio::awaitable<void> run();

  std::string render_metrics() const;

 private:
  boost::asio::awaitable<std::vector<std::string>> cities_to_scan();
  // Digests of the users after `cursor` (moved on), `max_users` candidates at most; returns how
  // many were queued.
  boost::asio::awaitable<std::size_t> digests(SysSeconds now, std::string& cursor,
                                              std::size_t max_users);

  Async<NotifierStore> store_;
  NoticeHub& hub_;
  NotifierOptions options_;
  std::mutex versions_mutex_;  // passes of run() and a test's run_once may overlap
  std::unordered_map<std::string, std::int64_t> versions_;  // data_version at the last scan
  std::string digest_cursor_;  // run()'s passes only: where the next digest pass goes on
  std::size_t next_round_robin_ = 0;
  std::atomic<std::uint64_t> scans_{0}, arrivals_{0}, notices_{0}, digests_{0}, failures_{0};
};

// The digest email in the user's language (uk, en, ru); films' titles in it.
mail::Message digest_email(const accounts::User& user, const std::vector<Notice>& notices,
                           const std::unordered_map<std::int64_t, catalog::Film>& films,
                           const NotifierOptions& options);

}  // namespace cinestream::notifications
