#include "error_statuses.hpp"

#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream::cli {

void register_platform_errors(http::Router& router) {
  // Both are passing conditions: the client should retry shortly.
  router.register_error<StoreUnavailable>(
      http::Status::service_unavailable, "unavailable",
      "the data store is busy or unreachable; try again shortly", std::chrono::seconds(1));
  router.register_error<PoolOverloaded>(http::Status::service_unavailable, "unavailable",
                                        "the data store is busy or unreachable; try again shortly",
                                        std::chrono::seconds(1));
}

}  // namespace cinestream::cli
