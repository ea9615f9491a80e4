#pragma once
// The bounded pools that keep blocking and heavy work off the event loops, one per kind of work
// (userver's task processors): a slow disk or a burst of password hashing fills its own queue
// and never takes the threads that database calls need, and each pool's queue shows in /metrics.
#include <cstddef>
#include <string>

#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream {

struct TaskProcessorOptions {
  std::size_t db_threads = 4;  // SQLite and libmongoc calls (at most the store's connections)
  std::size_t db_queue = 1024;
  std::size_t file_threads = 2;  // posters and other files on disk
  std::size_t file_queue = 256;
  std::size_t cpu_threads = 1;  // password hashing, embeddings, model building
  // A short queue: past it, work is refused at once (503) rather than kept waiting for seconds
  // (at cost 12 one thread hashes about 5 passwords a second).
  std::size_t cpu_queue = 64;
  // The cpu pool yields to the event loops (nice 19): hashing uses the CPU the requests leave.
  int cpu_nice = 19;
};

class TaskProcessors {
 public:
  explicit TaskProcessors(const TaskProcessorOptions& options);

  BlockingPool& db() { return db_; }
  BlockingPool& files() { return files_; }
  BlockingPool& cpu() { return cpu_; }

  // Finishes queued work and joins every pool's threads (before the event loops shut down:
  // completions are posted to them).
  void stop();

  // Prometheus text: threads, queue limit, queued, busy, completed and rejected per pool.
  std::string render_metrics() const;

 private:
  BlockingPool db_;
  BlockingPool files_;
  BlockingPool cpu_;
};

}  // namespace cinestream
