#include "cinestream/notifications/notifier.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cinestream/domain/local_time.hpp"

namespace cinestream::notifications {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kDigestUsersPerRead = 50;
constexpr std::size_t kDigestNoticesPerUser = 50;

struct Created {
  Notice notice;
  bool push = false;
};

std::string day_of(SysSeconds t) {
  return format_utc(t).substr(0, 10);  // YYYY-MM-DD
}

int hour_of(SysSeconds t) {
  auto since_midnight = t - std::chrono::floor<std::chrono::days>(t);
  return static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(since_midnight).count());
}

const std::string& title_in(const catalog::Film& f, std::string_view lang) {
  const std::string* t = lang == "uk" ? &f.title.uk : lang == "ru" ? &f.title.ru : &f.title.en;
  if (!t->empty()) return *t;
  return f.title.en.empty() ? f.title.original : f.title.en;
}

// Notifies the watchers of one arrival; blocking, on the db pool.
std::vector<Created> fan_out(NotifierStore& s, const Arrival& a, SysSeconds now,
                             const NotifierOptions& o) {
  std::vector<Created> created;
  std::string after;
  for (;;) {
    auto page = s.library->watchers(a.film_id, a.first_seen_at, after, o.watchers_per_page);
    for (const auto& w : page) {
      auto user = s.users->by_id(w.user_id);
      if (!user || user->disabled) continue;
      auto settings = s.notices->settings(w.user_id);
      // The profile's own switch (accounts) speaks for the home city; followed cities are ours.
      bool home = user->home_city == a.city && user->notifications.film_in_my_city;
      bool followed = std::find(settings.followed_cities.begin(), settings.followed_cities.end(),
                                a.city) != settings.followed_cities.end();
      if (!home && !followed) continue;
      if (!settings.in_app && !settings.push && !settings.email_digest) continue;
      auto n = s.notices->claim_notice(w.user_id, a.film_id, a.city, now, o.window,
                                       /*read=*/!settings.in_app);
      if (n) created.push_back({std::move(*n), settings.push});
    }
    if (page.size() < o.watchers_per_page) break;
    after = page.back().user_id;
  }
  s.notices->finish_arrival(a.film_id, a.city);
  return created;
}

}  // namespace

mail::Message digest_email(const accounts::User& user, const std::vector<Notice>& notices,
                           const std::unordered_map<std::int64_t, catalog::Film>& films,
                           const NotifierOptions& options) {
  const std::string& lang = user.lang;
  std::string lines;
  for (const auto& n : notices) {
    auto f = films.find(n.film_id);
    std::string title =
        f != films.end() ? title_in(f->second, lang) : fmt::format("#{}", n.film_id);
    std::string city = options.city_name ? options.city_name(n.city, lang) : n.city;
    lines += fmt::format("  * {} - {}\n", title, city);
  }
  mail::Message m;
  m.to = user.email;
  m.kind = "notification_digest";
  if (lang == "en") {
    m.subject = "Films from your watchlist are now playing";
    m.text_body = fmt::format(
        "Hello, {}!\n\nFilms from your watchlist now have showtimes:\n\n{}\nShowtimes: {}/\n\n"
        "You get this daily digest because it is on in your notification settings.\n",
        user.display_name, lines, options.public_origin);
  } else if (lang == "ru") {
    m.subject = "Фильмы из вашего списка уже в кино";
    m.text_body = fmt::format(
        "Здравствуйте, {}!\n\nУ фильмов из вашего списка появились сеансы:\n\n{}\nСеансы: {}/\n\n"
        "Вы получаете эту ежедневную сводку, потому что она включена в настройках уведомлений.\n",
        user.display_name, lines, options.public_origin);
  } else {
    m.subject = "Фільми з вашого списку вже в кіно";
    m.text_body = fmt::format(
        "Вітаємо, {}!\n\nУ фільмів з вашого списку з'явилися сеанси:\n\n{}\nСеанси: {}/\n\n"
        "Ви отримуєте цей щоденний підсумок, бо його ввімкнено в налаштуваннях сповіщень.\n",
        user.display_name, lines, options.public_origin);
  }
  return m;
}

asio::awaitable<std::vector<std::string>> Notifier::cities_to_scan() {
  auto read = [](NotifierStore& s) { return s.locations->location_states(); };
  auto states = co_await store_.call(read);
  std::vector<std::string> out;
  std::lock_guard lock(versions_mutex_);
  for (const auto& st : states) {
    if (out.size() >= options_.cities_per_pass) break;
    auto it = versions_.find(st.city_id);
    if (it == versions_.end() || it->second != st.data_version) out.push_back(st.city_id);
  }
  // One more in turn: a film whose showtimes ran out changes no version, and only a rescan
  // forgets it (so that its return is an arrival again).
  if (!states.empty()) {
    const auto& st = states[next_round_robin_++ % states.size()];
    if (std::find(out.begin(), out.end(), st.city_id) == out.end()) out.push_back(st.city_id);
  }
  co_return out;
}

asio::awaitable<PassReport> Notifier::run_once(SysSeconds now) {
  PassReport report;
  auto cities = co_await cities_to_scan();
  for (const auto& city : cities) {
    auto scan = [city, now](NotifierStore& s) {
      // The version first: a change made while scanning is scanned again next pass.
      std::int64_t version = 0;
      if (auto st = s.locations->location_state(city)) version = st->data_version;
      auto playing = s.links->films_playing(city, now);
      s.notices->scan_city(city, playing, now);
      return version;
    };
    auto version = co_await store_.call(scan);
    {
      std::lock_guard lock(versions_mutex_);
      versions_[city] = version;
    }
    ++report.cities_scanned;
    ++scans_;
  }

  auto pending = [limit = options_.arrivals_per_pass](NotifierStore& s) {
    return s.notices->pending_arrivals(limit);
  };
  auto arrivals = co_await store_.call(pending);
  for (const auto& a : arrivals) {
    auto fan = [a, now, &o = options_](NotifierStore& s) { return fan_out(s, a, now, o); };
    auto created = co_await store_.call(fan);
    for (const auto& c : created) {
      if (c.push) hub_.publish(c.notice);
    }
    ++report.arrivals;
    report.notices += created.size();
    ++arrivals_;
    notices_ += created.size();
  }

  if (hour_of(now) >= options_.digest_hour) {
    std::string cursor;
    {
      std::lock_guard lock(versions_mutex_);
      cursor = digest_cursor_;
    }
    report.digests = co_await digests(now, cursor, options_.digests_per_pass);
    std::lock_guard lock(versions_mutex_);
    digest_cursor_ = cursor;
  }
  co_return report;
}

asio::awaitable<std::size_t> Notifier::digests(SysSeconds now, std::string& cursor,
                                               std::size_t max_users) {
  std::string day = day_of(now);
  std::size_t queued = 0;
  for (std::size_t looked = 0; looked < max_users; looked += kDigestUsersPerRead) {
    auto due_read = [day, after = cursor](NotifierStore& s) {
      return s.notices->digests_due(day, after, kDigestUsersPerRead, kDigestNoticesPerUser);
    };
    auto scan = co_await store_.call(due_read);
    cursor = scan.more ? scan.last_user : std::string();
    for (const auto& d : scan.due) {
      auto send = [d, day, now, &o = options_](NotifierStore& s) {
        auto user = s.users->by_id(d.user_id);
        mail::Message m;  // no recipient: the day is marked done and nothing is sent
        // Only to a verified address: anyone may sign up with someone else's.
        if (user && user->email_verified && !user->disabled) {
          std::unordered_map<std::int64_t, catalog::Film> films;
          for (const auto& n : d.notices) {
            if (films.contains(n.film_id)) continue;
            if (auto f = s.films->find(n.film_id)) films.emplace(n.film_id, std::move(*f));
          }
          m = digest_email(*user, d.notices, films, o);
        }
        return s.notices->claim_digest(d.user_id, day, d.notices.back().id, m, now) &&
               !m.to.empty();
      };
      if (co_await store_.call(send)) ++queued;
    }
    if (!scan.more) break;
  }
  digests_ += queued;
  if (queued > 0 && options_.mail_queued) options_.mail_queued();
  co_return queued;
}

asio::awaitable<std::size_t> Notifier::run_digest_now(SysSeconds now) {
  std::string cursor;  // from the first user to the last
  std::size_t queued = 0;
  do {
    queued += co_await digests(now, cursor, options_.digests_per_pass);
  } while (!cursor.empty());
  co_return queued;
}

asio::awaitable<void> Notifier::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(options_.interval);
    co_await timer.async_wait(asio::use_awaitable);
    try {
      auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
      co_await run_once(now);
    } catch (const std::exception& e) {
      ++failures_;
      spdlog::warn("notifications: pass failed: {}", e.what());
    }
  }
}

std::string Notifier::render_metrics() const {
  return fmt::format(
      "# HELP cinestream_notify_city_scans_total Cities scanned for arriving films.\n"
      "# TYPE cinestream_notify_city_scans_total counter\n"
      "cinestream_notify_city_scans_total {}\n"
      "# HELP cinestream_notify_arrivals_total Film arrivals whose watchers were notified.\n"
      "# TYPE cinestream_notify_arrivals_total counter\n"
      "cinestream_notify_arrivals_total {}\n"
      "# HELP cinestream_notify_notices_total Notices created by this process.\n"
      "# TYPE cinestream_notify_notices_total counter\n"
      "cinestream_notify_notices_total {}\n"
      "# HELP cinestream_notify_digests_total Digest emails queued by this process.\n"
      "# TYPE cinestream_notify_digests_total counter\n"
      "cinestream_notify_digests_total {}\n"
      "# HELP cinestream_notify_pass_failures_total Notifier passes that failed.\n"
      "# TYPE cinestream_notify_pass_failures_total counter\n"
      "cinestream_notify_pass_failures_total {}\n",
      scans_.load(), arrivals_.load(), notices_.load(), digests_.load(), failures_.load());
}

}  // namespace cinestream::notifications
