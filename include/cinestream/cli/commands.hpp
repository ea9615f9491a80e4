#pragma once
// The subcommands of the `cinestream` binary.
#include "cinestream/config/config.hpp"

namespace cinestream::cli {

// Serves HTTP until SIGTERM/SIGINT; returns the process exit status.
int serve(const Config& config);
// Creates the schema and seeds the bundled locations; idempotent.
int init_db(const Config& config);

}  // namespace cinestream::cli
