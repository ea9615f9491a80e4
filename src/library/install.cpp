#include "cinestream/library/install.hpp"

#include <memory>

#include "cinestream/library/library_api.hpp"
#include "cinestream/library/library_store.hpp"

namespace cinestream::library {

void install(App& app, accounts::AccountService& accounts, catalog::CatalogService& films) {
  auto& repo = app.own(make_library_repository(app.database()));
  Async<LibraryRepository> store(repo, app.pools().db());
  auto& api = app.own(std::make_unique<LibraryApi>(store, films));
  api.register_routes(app.router());
  accounts.add_personal_data(
      {.name = "library",
       .export_data = [store](std::string user_id) -> boost::asio::awaitable<boost::json::value> {
         auto read = [user_id](LibraryRepository& r) { return r.library(user_id); };
         auto s = store;
         auto lib = co_await s.call(read);
         co_return library_json(lib);
       },
       .erase = [store](std::string user_id) -> boost::asio::awaitable<void> {
         auto erase = [user_id](LibraryRepository& r) { r.erase_user(user_id); };
         auto s = store;
         co_await s.call(erase);
       }});
}

}  // namespace cinestream::library
