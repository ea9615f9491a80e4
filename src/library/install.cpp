#include "cinestream/library/install.hpp"

#include <memory>

#include "cinestream/library/interaction_recorder.hpp"
#include "cinestream/library/library_api.hpp"
#include "cinestream/library/library_store.hpp"

namespace cinestream::library {
namespace {

// The newest interactions an account export carries (180 days of a heavy user stay well below).
constexpr std::size_t kExportedInteractions = 10'000;

boost::json::object interaction_json(const Interaction& i) {
  boost::json::object o{{"kind", to_string(i.kind)}, {"at", format_utc(i.at)}};
  if (i.film_id != 0) o["film_id"] = i.film_id;
  if (!i.detail.empty()) o["detail"] = i.detail;
  return o;
}

}  // namespace

void install(App& app, accounts::AccountService& accounts, catalog::CatalogService& films,
             LibraryFeature feature) {
  auto& repo = app.own(make_library_repository(app.database()));
  Async<LibraryRepository> store(repo, app.pools().db());
  auto& interactions_repo = app.own(make_interaction_repository(app.database()));
  Async<InteractionRepository> interactions(interactions_repo, app.pools().db());
  auto& recorder = app.own(std::make_unique<InteractionRecorder>(feature.interactions));
  app.activity().set_sink(&recorder);

  auto& api = app.own(std::make_unique<LibraryApi>(store, films, app.activity()));
  api.register_routes(app.router());

  // A film's details carry its rating, so the film page needs one request.
  films.add_details_extension(
      [store](std::int64_t film_id, boost::json::object& doc) -> boost::asio::awaitable<void> {
        auto read = [film_id](LibraryRepository& r) { return r.summary(film_id); };
        auto s = store;
        auto sum = co_await s.call(read);
        doc["rating"] = rating_json(sum);
      });

  app.spawn([&recorder, interactions, interval = feature.interaction_flush_interval] {
    return recorder.run(interactions, interval);
  });
  app.on_drain(DrainStage::after_requests_end,
               [&recorder, interactions] { return recorder.flush(interactions); });
  app.on_exit([&recorder, &interactions_repo] { recorder.flush_blocking(interactions_repo); });
  app.add_metrics([&recorder] { return recorder.render_metrics(); });

  accounts.add_personal_data(
      {.name = "library",
       .export_data = [store, interactions](
                          std::string user_id) -> boost::asio::awaitable<boost::json::value> {
         auto read = [user_id](LibraryRepository& r) { return r.library(user_id); };
         auto s = store;
         auto lib = co_await s.call(read);
         auto doc = library_json(lib);
         auto read_interactions = [user_id](InteractionRepository& r) {
           return r.of_user(user_id, kExportedInteractions);
         };
         auto i = interactions;
         auto list = co_await i.call(read_interactions);
         boost::json::array out;
         for (const auto& one : list)
           out.push_back(interaction_json(one));
         doc["interactions"] = std::move(out);
         co_return doc;
       },
       .erase = [store, interactions](std::string user_id) -> boost::asio::awaitable<void> {
         auto erase = [user_id](LibraryRepository& r) { r.erase_user(user_id); };
         auto s = store;
         co_await s.call(erase);
         auto erase_interactions = [user_id](InteractionRepository& r) { r.erase_user(user_id); };
         auto i = interactions;
         co_await i.call(erase_interactions);
       }});
}

}  // namespace cinestream::library
