#include "cinestream/observability/access_log.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

namespace cinestream {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Field bounds, chosen so that a line, escaped at worst (6 bytes per byte in JSON), stays under
// AccessLog::kMaxLine.
constexpr std::size_t kMaxRequestId = 128;
constexpr std::size_t kMaxMethod = 16;
constexpr std::size_t kMaxTarget = 256;
constexpr std::size_t kMaxUserAgent = 128;
constexpr std::size_t kMaxWriteError = 64;

// "2026-12-01T19:38:33", formatted once a second per loop.
struct SecondText {
  std::int64_t second = -1;
  char text[24] = {};
};

// Appends into a fixed span; what does not fit is cut (the bounds above make that unreachable,
// this keeps it memory-safe regardless).
class LineOut {
 public:
  LineOut(char* begin, std::size_t capacity) : p_(begin), begin_(begin), end_(begin + capacity) {}
  void put(char c) {
    if (p_ < end_) *p_++ = c;
  }
  void put(std::string_view s) {
    std::size_t n = std::min(s.size(), static_cast<std::size_t>(end_ - p_));
    if (n == 0) return;  // an empty view may have no data pointer: memcpy must not see it
    std::memcpy(p_, s.data(), n);
    p_ += n;
  }
  // A literal: its length is known here, so the copy is a few moves, not a call.
  template <std::size_t N>
  void lit(const char (&s)[N]) {
    if (static_cast<std::size_t>(end_ - p_) < N - 1) return put(std::string_view(s, N - 1));
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  void put_uint(std::uint64_t v) {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0)
      put(digits[--n]);
  }
  void put_digits(unsigned v, int width) {
    char digits[8];
    for (int i = width - 1; i >= 0; --i, v /= 10)
      digits[i] = static_cast<char>('0' + v % 10);
    put(std::string_view(digits, static_cast<std::size_t>(width)));
  }
  // logfmt value text: quotes, backslashes and control bytes as \xNN (as the log always did).
  // Runs of plain bytes are copied at once: a plain target costs a scan and one copy.
  void put_logfmt(std::string_view s, std::size_t max) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto text = s.substr(0, max);
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto u = static_cast<unsigned char>(text[i]);
      if (u >= 0x20 && u != 0x7f && u != '"' && u != '\\') continue;
      put(text.substr(run, i - run));
      run = i + 1;
      const char escaped[4] = {'\\', 'x', kHex[u >> 4], kHex[u & 0xf]};
      put(std::string_view(escaped, 4));
    }
    put(text.substr(run));
    if (s.size() > max) lit("...");
  }
  // A JSON string's content. Bytes above 0x7f become \u00XX: the line stays valid JSON whatever
  // a client sent (a request target need not be UTF-8).
  void put_json(std::string_view s, std::size_t max) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto text = s.substr(0, max);
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      auto u = static_cast<unsigned char>(text[i]);
      if (u >= 0x20 && u < 0x7f && u != '"' && u != '\\') continue;
      put(text.substr(run, i - run));
      run = i + 1;
      if (u == '"' || u == '\\') {
        const char escaped[2] = {'\\', static_cast<char>(u)};
        put(std::string_view(escaped, 2));
      } else {
        const char escaped[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xf]};
        put(std::string_view(escaped, 6));
      }
    }
    put(text.substr(run));
    if (s.size() > max) lit("...");
  }
  // IPv4 by hand (nearly every request; inet_ntop goes through printf), IPv6 by inet_ntop.
  void put_address(const boost::asio::ip::address& a) {
    if (a.is_v4()) {
      auto bytes = a.to_v4().to_bytes();
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i) put('.');
        put_uint(bytes[i]);
      }
      return;
    }
    char text[INET6_ADDRSTRLEN] = {};
    auto bytes = a.to_v6().to_bytes();
    ::inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
    put(std::string_view(text));
  }
  // Ends the line; a cut line still ends with its newline.
  std::size_t finish() {
    if (p_ == end_) --p_;
    *p_++ = '\n';
    return static_cast<std::size_t>(p_ - begin_);
  }

 private:
  char* p_;
  char* begin_;
  char* end_;
};

void put_time(LineOut& out, std::chrono::system_clock::time_point when, SecondText& cache) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  std::int64_t second = ms / 1000;
  if (second != cache.second) {
    cache.second = second;
    std::time_t t = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(cache.text, sizeof cache.text, "%Y-%m-%dT%H:%M:%S", &tm);
  }
  out.put(std::string_view(cache.text));
  out.put('.');
  out.put_digits(static_cast<unsigned>(ms % 1000), 3);
  out.lit("+00:00");
}

// The line as the spdlog pattern used to print it ("<time> info pid=<pid> access ..."), so that
// what reads the old lines reads these.
void put_logfmt_line(LineOut& out, const AccessRecord& r) {
  out.lit(" access request_id=");
  out.put_logfmt(r.request_id, kMaxRequestId);
  out.lit(" remote=");
  out.put_address(r.remote);
  out.lit(" method=");
  if (r.method.empty()) {
    out.put('-');
  } else {
    out.put_logfmt(r.method, kMaxMethod);
  }
  out.lit(" target=\"");
  if (r.method.empty()) {
    out.put('-');
  } else {
    out.put_logfmt(r.target, kMaxTarget);
  }
  out.lit("\" status=");
  out.put_uint(r.status);
  if (r.stream) {
    out.lit(" stream=events");
    return;
  }
  out.lit(" bytes=");
  out.put_uint(r.bytes);
  out.lit(" duration_us=");
  out.put_uint(static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.duration.count())));
  out.lit(" ua=\"");
  if (r.method.empty()) {
    out.put('-');
  } else {
    out.put_logfmt(r.user_agent, kMaxUserAgent);
  }
  out.put('"');
  if (!r.write_error.empty()) {
    out.lit(" write_error=\"");
    out.put_logfmt(r.write_error, kMaxWriteError);
    out.put('"');
  }
}

void put_json_line(LineOut& out, const AccessRecord& r) {
  out.lit(",\"request_id\":\"");
  out.put_json(r.request_id, kMaxRequestId);
  out.lit("\",\"remote\":\"");
  out.put_address(r.remote);
  out.lit("\",\"method\":\"");
  if (r.method.empty()) {
    out.put('-');
  } else {
    out.put_json(r.method, kMaxMethod);
  }
  out.lit("\",\"target\":\"");
  if (r.method.empty()) {
    out.put('-');
  } else {
    out.put_json(r.target, kMaxTarget);
  }
  out.lit("\",\"status\":");
  out.put_uint(r.status);
  if (r.stream) {
    out.lit(",\"stream\":\"events\"}");
    return;
  }
  out.lit(",\"bytes\":");
  out.put_uint(r.bytes);
  out.lit(",\"duration_us\":");
  out.put_uint(static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.duration.count())));
  out.lit(",\"ua\":\"");
  if (r.method.empty()) {
    out.put('-');
  } else {
    out.put_json(r.user_agent, kMaxUserAgent);
  }
  out.put('"');
  if (!r.write_error.empty()) {
    out.lit(",\"write_error\":\"");
    out.put_json(r.write_error, kMaxWriteError);
    out.put('"');
  }
  out.put('}');
}

std::size_t format_into(char* at, AccessLogFormat format, const AccessRecord& r,
                        std::chrono::system_clock::time_point when, int pid, SecondText& cache) {
  LineOut out(at, AccessLog::kMaxLine);
  if (format == AccessLogFormat::json) {
    out.lit("{\"time\":\"");
    put_time(out, when, cache);
    out.lit("\",\"pid\":");
    out.put_uint(static_cast<std::uint64_t>(pid));
    put_json_line(out, r);
  } else {
    put_time(out, when, cache);
    out.lit(" info pid=");
    out.put_uint(static_cast<std::uint64_t>(pid));
    put_logfmt_line(out, r);
  }
  return out.finish();
}

}  // namespace

std::optional<AccessLogFormat> parse_access_log_format(std::string_view name) {
  if (name == "logfmt") return AccessLogFormat::logfmt;
  if (name == "json") return AccessLogFormat::json;
  return std::nullopt;
}

void format_access_line(std::string& out, AccessLogFormat format, const AccessRecord& record,
                        std::chrono::system_clock::time_point when, int pid) {
  char line[AccessLog::kMaxLine];
  SecondText cache;
  out.append(line, format_into(line, format, record, when, pid, cache));
}

// One loop's ring. The loop fills ring[handed % size]; the writer owns ring[released % size] up
// to ring[(handed - 1) % size]. Both counters only grow; each is written by one side.
struct alignas(64) AccessLog::Shard {
  std::vector<Buffer> ring;
  std::atomic<std::uint64_t> handed{0};  // the loop's
  SteadyClock::time_point first_line_at{};
  SecondText second;
  int pid = 0;
  alignas(64) std::atomic<std::uint64_t> dropped{0};   // the loop's
  alignas(64) std::atomic<std::uint64_t> released{0};  // the writer's

  Buffer& current() { return ring[handed.load(std::memory_order_relaxed) % ring.size()]; }
};

AccessLog::AccessLog(AccessLogOptions options, std::size_t loops) : options_(std::move(options)) {
  options_.buffer_bytes = std::max(options_.buffer_bytes, 2 * kMaxLine);
  options_.buffers_per_loop = std::max<std::size_t>(options_.buffers_per_loop, 2);
  open_destination();
  int pid = static_cast<int>(::getpid());
  for (std::size_t i = 0; i < std::max<std::size_t>(loops, 1); ++i) {
    auto shard = std::make_unique<Shard>();
    shard->pid = pid;
    shard->ring.resize(options_.buffers_per_loop);
    for (auto& b : shard->ring)
      b.data = std::make_unique<char[]>(options_.buffer_bytes);
    shards_.push_back(std::move(shard));
  }
  writer_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "access-log");  // for top -H and perf
    writer_main();
  });
}

AccessLog::~AccessLog() {
  stop();
}

void AccessLog::open_destination() {
  int fd = STDERR_FILENO;
  bool own = false;
  if (!options_.path.empty()) {
    // Non-blocking: a FIFO whose reader stalls makes write() return instead of hanging the writer
    // (which must still notice stop()). No effect on a regular file.
    fd =
        ::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0640);
    if (fd < 0) {
      throw std::system_error(errno, std::generic_category(),
                              fmt::format("access log {}", options_.path));
    }
    own = true;
  }
  struct stat st {};
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (own_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = fd;
  own_fd_ = own;
  regular_file_ = regular;
}

void AccessLog::write(std::size_t loop, const AccessRecord& record) {
  Shard& s = *shards_[loop];
  Buffer* b = &s.current();
  if (options_.buffer_bytes - b->size < kMaxLine) {
    if (!hand_off(s)) {
      // Every buffer of this loop waits for the writer: the destination is behind.
      s.dropped.store(s.dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return;
    }
    b = &s.current();
  }
  if (b->size == 0) s.first_line_at = SteadyClock::now();
  b->size += format_into(b->data.get() + b->size, options_.format, record,
                         std::chrono::system_clock::now(), s.pid, s.second);
  ++b->lines;
}

void AccessLog::tick(std::size_t loop, SteadyClock::time_point now) {
  Shard& s = *shards_[loop];
  if (s.current().size > 0 && now - s.first_line_at >= options_.flush_interval) hand_off(s);
}

bool AccessLog::hand_off(Shard& s) {
  auto handed = s.handed.load(std::memory_order_relaxed);
  auto released = s.released.load(std::memory_order_acquire);
  if (handed + 1 - released >= s.ring.size()) return false;
  Buffer& next = s.ring[(handed + 1) % s.ring.size()];
  next.size = 0;
  next.lines = 0;
  s.handed.store(handed + 1, std::memory_order_release);
  {
    // Once per buffer, not per line; the writer holds this lock only to test the flag.
    std::lock_guard lock(wake_mutex_);
    wake_ = true;
  }
  wake_cv_.notify_one();
  return true;
}

void AccessLog::reopen() {
  reopen_requested_.store(true);
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = true;
  }
  wake_cv_.notify_one();
}

void AccessLog::writer_main() {
  auto reopen_if_asked = [this] {
    if (!reopen_requested_.exchange(false) || options_.path.empty()) return;
    try {
      open_destination();
      reopens_.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception& e) {
      spdlog::error("access log: cannot reopen: {}; writing to the old file", e.what());
    }
  };
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_cv_.wait_for(lock, options_.flush_interval, [this] { return wake_; });
      wake_ = false;
    }
    reopen_if_asked();
    drain_handed();
    if (stopping_.load()) {
      reopen_if_asked();  // asked for before stop(): the last lines go to the new file
      drain_handed();     // what was handed while the last pass ran
      return;
    }
  }
}

void AccessLog::drain_handed() {
  for (auto& shard : shards_) {
    Shard& s = *shard;
    auto released = s.released.load(std::memory_order_relaxed);
    auto handed = s.handed.load(std::memory_order_acquire);
    for (; released < handed; ++released) {
      const Buffer& b = s.ring[released % s.ring.size()];
      if (write_out(b.data.get(), b.size)) {
        written_lines_.fetch_add(b.lines, std::memory_order_relaxed);
      } else {
        writer_dropped_.fetch_add(b.lines, std::memory_order_relaxed);
      }
      s.released.store(released + 1, std::memory_order_release);
    }
  }
}

bool AccessLog::write_out(const char* data, std::size_t size) {
  auto give_up = [this] {
    auto at = give_up_at_ns_.load();
    return at != 0 && SteadyClock::now().time_since_epoch().count() > at;
  };
  while (size > 0) {
    std::size_t n = size;
    if (!regular_file_) {
      // A pipe or socket may be shared with other processes: whole lines, at most PIPE_BUF at a
      // time, are written atomically. Wait until it takes some, checking for the exit deadline.
      if (n > PIPE_BUF) {
        const void* nl = ::memrchr(data, '\n', PIPE_BUF);
        n = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1 : PIPE_BUF;
      }
      pollfd p{fd_, POLLOUT, 0};
      int ready = ::poll(&p, 1, 100);
      if (ready == 0 || (ready < 0 && errno == EINTR)) {
        if (give_up()) return false;
        continue;
      }
    }
    ssize_t w = ::write(fd_, data, n);
    if (w > 0) {
      data += w;
      size -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (give_up()) return false;
      continue;
    }
    return false;  // EPIPE, ENOSPC, EIO...: these lines are lost
  }
  return true;
}

void AccessLog::stop() {
  if (stopped_) return;
  stopped_ = true;
  give_up_at_ns_.store((SteadyClock::now() + options_.exit_grace).time_since_epoch().count());
  stopping_.store(true);
  {
    std::lock_guard lock(wake_mutex_);
    wake_ = true;
  }
  wake_cv_.notify_one();
  if (writer_.joinable()) writer_.join();
  // The loops have stopped: their partly filled buffers are written from here.
  for (auto& shard : shards_) {
    Buffer& b = shard->current();
    if (b.size == 0) continue;
    if (write_out(b.data.get(), b.size)) {
      written_lines_.fetch_add(b.lines, std::memory_order_relaxed);
    } else {
      writer_dropped_.fetch_add(b.lines, std::memory_order_relaxed);
    }
    b.size = 0;
    b.lines = 0;
  }
  if (own_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::uint64_t AccessLog::dropped_lines() const {
  std::uint64_t n = writer_dropped_.load(std::memory_order_relaxed);
  for (const auto& s : shards_)
    n += s->dropped.load(std::memory_order_relaxed);
  return n;
}

std::string AccessLog::render_metrics() const {
  return fmt::format(
      "# HELP cinestream_access_log_lines_total Access log lines written.\n"
      "# TYPE cinestream_access_log_lines_total counter\n"
      "cinestream_access_log_lines_total {}\n"
      "# HELP cinestream_access_log_dropped_lines_total Access log lines dropped because the "
      "destination did not keep up or failed.\n"
      "# TYPE cinestream_access_log_dropped_lines_total counter\n"
      "cinestream_access_log_dropped_lines_total {}\n"
      "# HELP cinestream_access_log_reopens_total Times the access log file was reopened "
      "(SIGHUP).\n"
      "# TYPE cinestream_access_log_reopens_total counter\n"
      "cinestream_access_log_reopens_total {}\n",
      written_lines(), dropped_lines(), reopens());
}

}  // namespace cinestream
