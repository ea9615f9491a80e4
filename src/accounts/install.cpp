#include "cinestream/accounts/install.hpp"

#include <memory>
#include <utility>

#include "cinestream/accounts/accounts_api.hpp"
#include "cinestream/accounts/auth_middleware.hpp"

namespace cinestream::accounts {

AccountService& install(App& app, AccountsFeature feature) {
  auto& store = app.own(std::make_unique<AccountsStore>(make_accounts_store(app.database())));
  auto& service = app.own(std::make_unique<AccountService>(
      Async<AccountsStore>(store, app.pools().db()), app.pools().cpu(), std::move(feature.keys),
      std::move(feature.options)));
  app.router().use(authenticate(service.keys()));
  auto& api = app.own(std::make_unique<AccountsApi>(service));
  api.register_routes(app.router());
  app.add_metrics([&service] { return service.render_metrics(); });
  return service;
}

}  // namespace cinestream::accounts
