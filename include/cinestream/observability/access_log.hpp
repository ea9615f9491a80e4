#pragma once
// The access log: one line per request, at a cost close to nginx's buffered log. Each event loop
// formats its lines into a buffer of its own (no lock, no allocation per request); a full buffer,
// or one older than the flush interval, is handed to a background writer that writes it in one
// piece. Each loop owns a fixed ring of buffers: when the destination does not keep up and every
// buffer is waiting for the writer, new lines are dropped and counted, and the loop never waits.
// The destination is reopened on request (SIGHUP, as logrotate expects); stderr (journald under
// systemd) is the default.
#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cinestream {

enum class AccessLogFormat { logfmt, json };

// "logfmt" or "json"; nullopt for anything else.
std::optional<AccessLogFormat> parse_access_log_format(std::string_view name);

struct AccessLogOptions {
  std::string path{};  // appended to (created 0640); empty: standard error
  AccessLogFormat format = AccessLogFormat::logfmt;
  std::size_t buffer_bytes = 64 * 1024;  // one buffer; at least 2 * kMaxLine
  std::size_t buffers_per_loop = 4;      // the bound: lines beyond these buffers are dropped
  std::chrono::milliseconds flush_interval{1000};  // a buffer waits at most this long (tick())
  std::chrono::milliseconds exit_grace{1000};  // at stop(), how long a stuck destination may hold
};

// One request as logged. Text fields are cut and escaped when formatted.
struct AccessRecord {
  std::string_view request_id{};
  boost::asio::ip::address remote{};
  std::string_view method{};  // empty: no request could be parsed ("-")
  std::string_view target{};
  std::string_view user_agent{};
  unsigned status = 0;
  std::uint64_t bytes = 0;
  std::chrono::microseconds duration{0};
  std::string_view write_error{};  // empty when the response was written
  bool stream = false;             // an event stream starts: no bytes or duration yet
};

class AccessLog {
 public:
  // The longest line formatted: every field is cut to a bound that keeps a line under it, and a
  // line never straddles two writes to a pipe (PIPE_BUF) shared by several worker processes.
  static constexpr std::size_t kMaxLine = 4096;

  // Opens the destination (throws std::system_error when it cannot) and starts the writer.
  AccessLog(AccessLogOptions options, std::size_t loops);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Only on loop `loop`'s thread (or before the loops run / after they stopped).
  void write(std::size_t loop, const AccessRecord& record);
  // On loop `loop`'s thread, every few milliseconds: hands a buffer older than the flush
  // interval to the writer, so that an idle loop's last lines do not wait for more traffic.
  void tick(std::size_t loop, std::chrono::steady_clock::time_point now);
  // Any thread (a signal handler's completion): the writer reopens the path before its next
  // write; what was handed to it before goes to the old file.
  void reopen();
  // Once every loop has stopped: writes every loop's remaining lines (waiting at most exit_grace
  // for a stuck destination; what is left then is counted as dropped) and ends the writer.
  // Idempotent; the destructor calls it.
  void stop();

  std::uint64_t dropped_lines() const;
  std::uint64_t written_lines() const { return written_lines_.load(std::memory_order_relaxed); }
  std::uint64_t reopens() const { return reopens_.load(std::memory_order_relaxed); }
  // Prometheus text: lines written, lines dropped, reopens.
  std::string render_metrics() const;

  const AccessLogOptions& options() const { return options_; }

 private:
  struct Buffer {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
    std::size_t lines = 0;
  };
  struct Shard;

  // Loop side: gives the current buffer to the writer when a free one can take its place.
  bool hand_off(Shard& shard);
  void writer_main();
  void drain_handed();
  // Writes a whole buffer; false when it could not (error, or the exit grace ran out).
  bool write_out(const char* data, std::size_t size);
  void open_destination();

  AccessLogOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  int fd_ = -1;
  bool own_fd_ = false;
  bool regular_file_ = false;
  std::atomic<std::uint64_t> writer_dropped_{0};
  std::atomic<std::uint64_t> written_lines_{0};
  std::atomic<std::uint64_t> reopens_{0};
  std::atomic<bool> reopen_requested_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> give_up_at_ns_{0};  // steady clock; 0: no deadline yet
  bool stopped_ = false;
  std::mutex wake_mutex_;  // held only to set or test `wake_`, never while writing
  std::condition_variable wake_cv_;
  bool wake_ = false;
  std::thread writer_;
};

// One formatted line with its newline, appended to `out` (tests; the log formats in place).
void format_access_line(std::string& out, AccessLogFormat format, const AccessRecord& record,
                        std::chrono::system_clock::time_point when, int pid);

}  // namespace cinestream
