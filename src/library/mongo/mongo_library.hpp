#pragma once
// The library module on MongoDB.
#include <memory>
#include <span>

#include "cinestream/library/interaction_repository.hpp"
#include "cinestream/library/library_repository.hpp"
#include "cinestream/store/mongo_db.hpp"

namespace cinestream::library::mongo_backend {

std::span<const mongo::Migration> migrations();
std::unique_ptr<LibraryRepository> make_library_repository(mongo::ClientPool& pool);
std::unique_ptr<InteractionRepository> make_interaction_repository(mongo::ClientPool& pool);

}  // namespace cinestream::library::mongo_backend
