#pragma once
// The library module's repository on the configured backend and its schema (module "library").
#include <memory>

#include "cinestream/library/interaction_repository.hpp"
#include "cinestream/library/library_repository.hpp"
#include "cinestream/store/database.hpp"
#include "cinestream/store/schema.hpp"

namespace cinestream::library {

inline constexpr int kLibrarySchemaVersion = 3;

SchemaReport migrate_library(Database& db);
std::unique_ptr<LibraryRepository> make_library_repository(Database& db);
std::unique_ptr<InteractionRepository> make_interaction_repository(Database& db);

}  // namespace cinestream::library
