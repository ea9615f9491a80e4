#pragma once
// The accounts feature installed into the process: its schema is migrated at start-up by the
// composition root (migrate_accounts), its routes and authentication middleware are registered
// here, and its counters join /metrics.
#include "cinestream/accounts/account_service.hpp"
#include "cinestream/app/app.hpp"

namespace cinestream::accounts {

struct AccountsFeature {
  KeyRing keys;
  AccountsOptions options;
};

// Registers the global authentication middleware (every later route sees ctx.principal) and the
// routes. Returns the service, for features that need to know about accounts (a future
// watchlist's "delete my data" hook, say).
AccountService& install(App& app, AccountsFeature feature);

}  // namespace cinestream::accounts
