#include "cinestream/runtime/task_processors.hpp"

#include <fmt/format.h>

namespace cinestream {

TaskProcessors::TaskProcessors(const TaskProcessorOptions& o)
    : db_(o.db_threads, o.db_queue, "db"),
      files_(o.file_threads, o.file_queue, "files"),
      cpu_(o.cpu_threads, o.cpu_queue, "cpu", o.cpu_nice) {}

void TaskProcessors::stop() {
  cpu_.stop();
  files_.stop();
  db_.stop();
}

std::string TaskProcessors::render_metrics() const {
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t BlockingPool::Stats::*uint_field;
    std::size_t BlockingPool::Stats::*size_field;
  };
  static constexpr Family kFamilies[] = {
      {"cinestream_pool_threads", "gauge", "Threads of the pool.", nullptr,
       &BlockingPool::Stats::threads},
      {"cinestream_pool_queue_limit", "gauge", "Tasks the pool queues before refusing.", nullptr,
       &BlockingPool::Stats::queue_limit},
      {"cinestream_pool_queued", "gauge", "Tasks waiting for a thread.", nullptr,
       &BlockingPool::Stats::queued},
      {"cinestream_pool_busy", "gauge", "Tasks running now.", nullptr, &BlockingPool::Stats::busy},
      {"cinestream_pool_completed_total", "counter", "Tasks run.", &BlockingPool::Stats::completed,
       nullptr},
      {"cinestream_pool_rejected_total", "counter",
       "Tasks refused because the queue was full (answered 503).", &BlockingPool::Stats::rejected,
       nullptr},
  };
  const BlockingPool* pools[] = {&db_, &files_, &cpu_};
  BlockingPool::Stats stats[3];
  for (std::size_t i = 0; i < 3; ++i)
    stats[i] = pools[i]->stats();
  std::string out;
  for (const auto& f : kFamilies) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
    for (std::size_t i = 0; i < 3; ++i) {
      std::uint64_t v = f.uint_field ? stats[i].*f.uint_field
                                     : static_cast<std::uint64_t>(stats[i].*f.size_field);
      out += fmt::format("{}{{pool=\"{}\"}} {}\n", f.name, pools[i]->name(), v);
    }
  }
  return out;
}

}  // namespace cinestream
