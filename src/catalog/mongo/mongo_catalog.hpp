#pragma once
// The catalog module on MongoDB.
#include <memory>
#include <span>

#include "cinestream/catalog/film_repository.hpp"
#include "cinestream/store/mongo_db.hpp"

namespace cinestream::catalog::mongo_backend {

std::span<const mongo::Migration> migrations();
std::unique_ptr<FilmRepository> make_film_repository(mongo::ClientPool& pool);

}  // namespace cinestream::catalog::mongo_backend
