#include "cinestream/notifications/install.hpp"

#include <memory>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/catalog/catalog_store.hpp"
#include "cinestream/library/library_store.hpp"
#include "cinestream/notifications/live_notices.hpp"
#include "cinestream/notifications/notifications_api.hpp"
#include "cinestream/notifications/notifications_store.hpp"

namespace cinestream::notifications {

namespace {

// What the notifier and the routes read and write, owned by the App.
struct Repositories {
  std::unique_ptr<NotificationRepository> notices;
  std::unique_ptr<library::LibraryRepository> library;
  accounts::AccountsStore accounts;
  std::unique_ptr<catalog::FilmRepository> films;
};

}  // namespace

NotificationsInstalled install(App& app, accounts::AccountService& accounts,
                               NotificationsFeature feature) {
  Database& db = app.database();
  auto& repos = app.own(std::make_unique<Repositories>(
      Repositories{make_notification_repository(db), library::make_library_repository(db),
                   accounts::make_accounts_store(db), catalog::make_film_repository(db)}));
  auto& hub = app.own(std::make_unique<NoticeHub>());
  auto& notifier_store = app.own(std::make_unique<NotifierStore>(
      NotifierStore{repos.notices.get(), &db.film_links(), &db.locations(), repos.library.get(),
                    repos.accounts.users.get(), repos.films.get()}));
  auto& notifier = app.own(std::make_unique<Notifier>(
      Async<NotifierStore>(notifier_store, app.pools().db()), hub, std::move(feature.notifier)));

  auto& api_store = app.own(std::make_unique<NotificationsApiStore>(
      NotificationsApiStore{repos.notices.get(), repos.films.get()}));
  auto& api = app.own(std::make_unique<NotificationsApi>(
      Async<NotificationsApiStore>(api_store, app.pools().db()), std::move(feature.known_city)));
  api.register_routes(app.router());

  Async<NotificationsApiStore> store(api_store, app.pools().db());
  auto& live = app.own(std::make_unique<LiveNotices>(store, hub, feature.live));
  live.register_routes(app.router());
  accounts.add_personal_data(
      {.name = "notifications",
       .export_data = [store](std::string user_id) -> boost::asio::awaitable<boost::json::value> {
         auto read = [user_id](NotificationsApiStore& s) {
           boost::json::array notices;
           std::int64_t before = 0;
           // Every notice, newest first, a page at a time.
           for (;;) {
             auto page = s.notices->notices(user_id, false, before, 500);
             for (const auto& n : page.notices) {
               auto film = s.films->find(n.film_id);
               notices.push_back(notice_json(n, film ? &*film : nullptr));
             }
             if (page.notices.size() < 500) break;
             before = page.notices.back().id;
           }
           return boost::json::value(
               boost::json::object{{"settings", settings_json(s.notices->settings(user_id))},
                                   {"notices", std::move(notices)}});
         };
         auto s = store;
         co_return co_await s.call(read);
       },
       .erase = [store](std::string user_id) -> boost::asio::awaitable<void> {
         auto erase = [user_id](NotificationsApiStore& s) { s.notices->erase_user(user_id); };
         auto s = store;
         co_await s.call(erase);
       }});

  app.add_metrics([&notifier] { return notifier.render_metrics(); });
  if (feature.run_notifier) app.spawn([&notifier] { return notifier.run(); });
  return {hub, notifier, *repos.notices};
}

}  // namespace cinestream::notifications
