#pragma once
// The library feature installed into the process: its schema is migrated at start-up by the
// composition root (migrate_library); here its routes, the recorder of implicit interactions (the
// process's activity sink), the rating in a film's details, and its part of an account's export
// and deletion.
#include "cinestream/accounts/account_service.hpp"
#include "cinestream/app/app.hpp"
#include "cinestream/catalog/catalog_service.hpp"
#include "cinestream/library/interaction_recorder.hpp"

namespace cinestream::library {

struct LibraryFeature {
  InteractionRecorderOptions interactions;
  std::chrono::milliseconds interaction_flush_interval{5'000};
};

void install(App& app, accounts::AccountService& accounts, catalog::CatalogService& films,
             LibraryFeature feature = {});

}  // namespace cinestream::library
