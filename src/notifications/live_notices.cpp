#include "cinestream/notifications/live_notices.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <memory>
#include <unordered_map>
#include <utility>

#include "cinestream/accounts/auth_middleware.hpp"
#include "cinestream/http/json_text.hpp"
#include "cinestream/http/websocket.hpp"

namespace cinestream::notifications {
namespace {

namespace asio = boost::asio;

// What one wake sends: the notices after `after`, as JSON messages, and the newest id among them.
struct Catch {
  std::vector<std::string> messages;
  std::int64_t last = 0;
};

Catch catch_up(NotificationsApiStore& s, const std::string& user, std::int64_t after,
               std::size_t batch) {
  Catch out;
  out.last = after;
  auto fresh = s.notices->since(user, after, batch);
  if (fresh.empty()) return out;
  out.last = fresh.back().id;
  if (!s.notices->settings(user).push) return out;  // skipped, not queued for later
  std::unordered_map<std::int64_t, std::optional<catalog::Film>> films;
  for (const auto& n : fresh) {
    auto it = films.find(n.film_id);
    if (it == films.end()) it = films.emplace(n.film_id, s.films->find(n.film_id)).first;
    boost::json::object msg{{"type", "notice"},
                            {"notice", notice_json(n, it->second ? &*it->second : nullptr)}};
    out.messages.push_back(http::json_text(msg));
  }
  return out;
}

}  // namespace

void LiveNotices::register_routes(http::Router& router) {
  http::RouteOptions signed_in;
  signed_in.middleware.push_back(accounts::require(accounts::Permission::use_account));
  auto store = store_;
  auto& hub = hub_;
  auto options = options_;
  router.add(
      http::Verb::get, "/api/me/notifications/live",
      [store, &hub, options](http::RequestContext& ctx) -> asio::awaitable<http::Reply> {
        auto user = ctx.principal->user_id;
        // Only what comes after this moment is pushed; the list route has the rest.
        auto newest = [user](NotificationsApiStore& s) -> std::int64_t {
          auto page = s.notices->notices(user, false, 0, 1);
          return page.notices.empty() ? 0 : page.notices.front().id;
        };
        auto s = store;
        std::int64_t start = co_await s.call(newest);
        co_return http::Reply::websocket([store, &hub, options, user, start](
                                             http::WebSocketChannel& ch) -> asio::awaitable<void> {
          auto sub = hub.subscribe(user, ch.executor());  // null: too many; polling still works
          std::int64_t last = start;
          asio::steady_timer idle(ch.executor());
          while (!ch.closed()) {
            if (sub) {
              auto poll = options.poll;
              co_await sub->next(poll);  // what it returns is read from the store below
            } else {
              idle.expires_after(options.poll);
              co_await idle.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            if (ch.closed()) break;
            auto read = [user, last, batch = options.batch](NotificationsApiStore& st) {
              return catch_up(st, user, last, batch);
            };
            auto st = store;
            Catch got;
            try {
              got = co_await st.call(read);
            } catch (const std::exception&) {
              continue;  // the store is away: try again on the next wake
            }
            last = got.last;
            for (auto& m : got.messages) {
              if (!ch.send_text(std::move(m))) co_return;  // closed, or not reading
            }
          }
        });
      },
      signed_in);
}

}  // namespace cinestream::notifications
