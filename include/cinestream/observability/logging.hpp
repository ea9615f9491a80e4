#pragma once
// spdlog set up once per process: an asynchronous logger with a bounded queue, so an io thread
// never blocks on the terminal or journald (when the queue is full the oldest line is dropped).
#include <string>

namespace cinestream {

// `async`: through a logging thread with a bounded queue; false for a process about to fork
// (a supervisor), whose children set up their own.
void setup_logging(const std::string& level, bool async = true);
// Flushes and stops the async logger (call before exit).
void shutdown_logging();

}  // namespace cinestream
