#pragma once
// The HTTP answers of the errors that the storage and runtime layers throw. They are registered
// here, in the composition root, so that those layers stay free of HTTP; a feature module
// registers its own domain errors when it installs its routes.
#include "cinestream/http/router.hpp"

namespace cinestream::cli {

void register_platform_errors(http::Router& router);

}  // namespace cinestream::cli
