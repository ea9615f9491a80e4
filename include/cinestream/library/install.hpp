#pragma once
// The library feature installed into the process: its schema is migrated at start-up by the
// composition root (migrate_library); here its routes, and its part of an account's export and
// deletion.
#include "cinestream/accounts/account_service.hpp"
#include "cinestream/app/app.hpp"
#include "cinestream/catalog/catalog_service.hpp"

namespace cinestream::library {

void install(App& app, accounts::AccountService& accounts, catalog::CatalogService& films);

}  // namespace cinestream::library
