#include "cinestream/observability/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace cinestream {

void setup_logging(const std::string& level, bool async) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::shared_ptr<spdlog::logger> logger;
  if (async) {
    spdlog::init_thread_pool(8192, 1);
    logger = std::make_shared<spdlog::async_logger>("cinestream", sink, spdlog::thread_pool(),
                                                    spdlog::async_overflow_policy::overrun_oldest);
  } else {
    logger = std::make_shared<spdlog::logger>("cinestream", sink);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l pid=%P %v");
  spdlog::flush_on(spdlog::level::warn);
  spdlog::set_level(spdlog::level::from_str(level));
}

void shutdown_logging() {
  spdlog::default_logger()->flush();
  spdlog::shutdown();
}

}  // namespace cinestream
