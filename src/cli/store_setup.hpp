#pragma once
// Opening the store for a command: connect, apply the missing schema migrations (logged), refuse a
// store newer than this binary (SchemaTooNew propagates: the command exits with its message).
#include <cstddef>
#include <memory>

#include "cinestream/config/config.hpp"
#include "cinestream/store/database.hpp"

namespace cinestream::cli {

std::unique_ptr<Database> open_migrated_store(const Config& config, std::size_t connections);

}  // namespace cinestream::cli
