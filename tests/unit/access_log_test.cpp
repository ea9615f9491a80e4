// The access log's buffer: both line formats, the bound on a line and on a loop's buffers, lines
// dropped (and counted) when the destination does not keep up, flushing on the timer and at stop,
// and reopening a renamed file (logrotate's SIGHUP).
#include "cinestream/observability/access_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

AccessRecord sample() {
  AccessRecord r;
  r.request_id = "trace-123";
  r.remote = boost::asio::ip::make_address("203.0.113.7");
  r.method = "GET";
  r.target = "/api/showtimes?city=kyiv";
  r.user_agent = "wrk/4";
  r.status = 200;
  r.bytes = 26512;
  r.duration = 87us;
  return r;
}

// 2026-12-01T19:38:33.042Z
std::chrono::system_clock::time_point fixed_time() {
  return std::chrono::system_clock::time_point{} + std::chrono::seconds(1796153913) + 42ms;
}

std::string line_of(AccessLogFormat format, const AccessRecord& r) {
  std::string out;
  format_access_line(out, format, r, fixed_time(), 4242);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(AccessLogFormat, LogfmtKeepsTheFieldsAndShapeOfTheOldLines) {
  EXPECT_EQ(line_of(AccessLogFormat::logfmt, sample()),
            "2026-12-01T19:38:33.042+00:00 info pid=4242 access request_id=trace-123 "
            "remote=203.0.113.7 method=GET target=\"/api/showtimes?city=kyiv\" status=200 "
            "bytes=26512 duration_us=87 ua=\"wrk/4\"\n");
  auto r = sample();
  r.target = "/a\"b\\c\x01";
  r.write_error = "Broken pipe";
  r.remote = boost::asio::ip::make_address("::1");
  auto line = line_of(AccessLogFormat::logfmt, r);
  EXPECT_NE(line.find(" remote=::1 "), std::string::npos) << line;
  EXPECT_NE(line.find("target=\"/a\\x22b\\x5cc\\x01\""), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with(" write_error=\"Broken pipe\"\n")) << line;
}

TEST(AccessLogFormat, UnparsedRequestsAndStreamsHaveTheirOwnLines) {
  AccessRecord bad;
  bad.request_id = "abc";
  bad.remote = boost::asio::ip::make_address("127.0.0.1");
  bad.status = 400;
  bad.bytes = 120;
  EXPECT_NE(line_of(AccessLogFormat::logfmt, bad)
                .find("method=- target=\"-\" status=400 bytes=120 duration_us=0 ua=\"-\"\n"),
            std::string::npos);
  auto stream = sample();
  stream.stream = true;
  EXPECT_TRUE(line_of(AccessLogFormat::logfmt, stream).ends_with("status=200 stream=events\n"));
  auto json = boost::json::parse(line_of(AccessLogFormat::json, stream)).as_object();
  EXPECT_EQ(json.at("stream").as_string(), "events");
  EXPECT_FALSE(json.contains("bytes"));
}

TEST(AccessLogFormat, JsonLinesAreOneValidObjectWhateverTheClientSent) {
  auto line = line_of(AccessLogFormat::json, sample());
  EXPECT_EQ(line,
            "{\"time\":\"2026-12-01T19:38:33.042+00:00\",\"pid\":4242,\"request_id\":\"trace-123\","
            "\"remote\":\"203.0.113.7\",\"method\":\"GET\",\"target\":\"/api/showtimes?city=kyiv\","
            "\"status\":200,\"bytes\":26512,\"duration_us\":87,\"ua\":\"wrk/4\"}\n");
  auto r = sample();
  std::string target = "/x\"y\\z\n\t\x7f\xff\xc3(";
  r.target = target;
  r.user_agent = "\"quoted\"";
  r.write_error = "Connection reset by peer";
  line = line_of(AccessLogFormat::json, r);
  ASSERT_EQ(count_lines(line), 1u) << line;
  auto doc = boost::json::parse(line).as_object();
  EXPECT_EQ(doc.at("status").as_int64(), 200);
  EXPECT_EQ(doc.at("bytes").as_int64(), 26512);
  EXPECT_EQ(doc.at("ua").as_string(), "\"quoted\"");
  EXPECT_EQ(doc.at("write_error").as_string(), "Connection reset by peer");
  // Bytes above 0x7f are written as \u00XX: the ASCII part of the target survives as it was.
  EXPECT_TRUE(std::string_view(doc.at("target").as_string()).starts_with("/x\"y\\z\n\t"));
}

TEST(AccessLogFormat, EveryFieldIsCutSoALineStaysUnderTheBound) {
  std::string huge(20000, '\x01');  // the worst case: every byte escaped
  for (auto format : {AccessLogFormat::logfmt, AccessLogFormat::json}) {
    AccessRecord r = sample();
    r.request_id = huge;
    r.method = huge;
    r.target = huge;
    r.user_agent = huge;
    r.write_error = huge;
    auto line = line_of(format, r);
    EXPECT_LE(line.size(), AccessLog::kMaxLine);
    EXPECT_EQ(count_lines(line), 1u);
    if (format == AccessLogFormat::json) {
      auto doc = boost::json::parse(line).as_object();  // cut, yet complete
      EXPECT_TRUE(std::string_view(doc.at("target").as_string()).ends_with("..."));
      EXPECT_EQ(doc.at("status").as_int64(), 200);
    } else {
      EXPECT_NE(line.find(" status=200 bytes=26512 "), std::string::npos);
    }
  }
  EXPECT_EQ(parse_access_log_format("json"), AccessLogFormat::json);
  EXPECT_EQ(parse_access_log_format("logfmt"), AccessLogFormat::logfmt);
  EXPECT_FALSE(parse_access_log_format("combined").has_value());
}

TEST(AccessLogBuffer, LinesWaitForTheTimerOrStopAndAreThenWrittenWhole) {
  testing::TempDir dir;
  auto path = dir.str() + "/access.log";
  AccessLog log({.path = path, .flush_interval = 1000ms}, 2);
  auto now = std::chrono::steady_clock::now();
  log.write(0, sample());
  log.write(1, sample());
  log.tick(0, now);  // not due: the buffer stays with its loop
  EXPECT_EQ(log.written_lines(), 0u);
  EXPECT_EQ(read_file(path), "");
  log.tick(0, now + 2s);  // due: handed to the writer
  ASSERT_TRUE(eventually([&] { return count_lines(read_file(path)) == 1; }));
  EXPECT_EQ(log.written_lines(), 1u);
  log.write(0, sample());
  log.stop();  // loop 1's line and loop 0's second one, without a tick
  auto text = read_file(path);
  EXPECT_EQ(count_lines(text), 3u) << text;
  EXPECT_EQ(log.written_lines(), 3u);
  EXPECT_EQ(log.dropped_lines(), 0u);
  log.stop();  // idempotent
}

TEST(AccessLogBuffer, JsonFormatReachesTheFile) {
  testing::TempDir dir;
  auto path = dir.str() + "/access.json";
  {
    AccessLog log({.path = path, .format = AccessLogFormat::json}, 1);
    for (int i = 0; i < 1000; ++i)
      log.write(0, sample());
  }  // the destructor stops (flush at exit)
  std::istringstream lines(read_file(path));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(boost::json::parse(line).as_object().at("request_id").as_string(), "trace-123");
    ++n;
  }
  EXPECT_EQ(n, 1000);
}

// A FIFO with a reader that does not read: the writer is stuck as soon as the pipe is full.
struct StuckFifo {
  explicit StuckFifo(const std::string& p) : path(p) {
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(reader, 0);
  }
  ~StuckFifo() { ::close(reader); }
  // Reads everything until every writer has closed.
  std::string read_to_end() {
    ::fcntl(reader, F_SETFL, 0);  // blocking
    std::string out;
    char buf[65536];
    for (;;) {
      auto n = ::read(reader, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  std::string path;
  int reader = -1;
};

TEST(AccessLogBuffer, ASlowDestinationCostsDroppedLinesNeverAWaitingLoop) {
  testing::TempDir dir;
  StuckFifo fifo(dir.str() + "/fifo");
  AccessLog log({.path = fifo.path,
                 .buffer_bytes = 2 * AccessLog::kMaxLine,
                 .buffers_per_loop = 2,
                 .exit_grace = 30s},
                1);
  constexpr std::uint64_t kLines = 20000;  // ~2 MB; the pipe and two buffers hold ~80 KB
  for (std::uint64_t i = 0; i < kLines; ++i)
    log.write(0, sample());  // returns every time, though nothing is read
  EXPECT_GT(log.dropped_lines(), kLines / 2);
  auto metrics = log.render_metrics();
  EXPECT_NE(metrics.find("cinestream_access_log_dropped_lines_total " +
                         std::to_string(log.dropped_lines())),
            std::string::npos)
      << metrics;
  // Once someone reads, what was kept arrives whole.
  std::string got;
  std::thread reader([&] { got = fifo.read_to_end(); });
  log.stop();
  reader.join();
  EXPECT_EQ(count_lines(got), log.written_lines());
  EXPECT_EQ(log.written_lines() + log.dropped_lines(), kLines);
  EXPECT_GT(log.written_lines(), 0u);
  std::istringstream lines(got);
  std::string line;
  while (std::getline(lines, line))
    ASSERT_TRUE(line.ends_with("ua=\"wrk/4\"")) << line;  // no torn line
}

TEST(AccessLogBuffer, StopGivesUpOnADestinationThatNeverDrains) {
  testing::TempDir dir;
  StuckFifo fifo(dir.str() + "/fifo");
  AccessLog log({.path = fifo.path, .exit_grace = 200ms}, 1);
  for (int i = 0; i < 5000; ++i)
    log.write(0, sample());
  log.stop();  // returns: what the pipe did not take is counted as dropped
  EXPECT_EQ(log.written_lines() + log.dropped_lines(), 5000u);
  EXPECT_GT(log.dropped_lines(), 0u);
}

TEST(AccessLogBuffer, ReopenStartsANewFileAfterLogrotateRenamedTheOld) {
  testing::TempDir dir;
  auto path = dir.str() + "/access.log";
  AccessLog log({.path = path}, 1);
  auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i)
    log.write(0, sample());
  log.tick(0, now + 5s);
  ASSERT_TRUE(eventually([&] { return log.written_lines() == 3; }));
  std::filesystem::rename(path, path + ".1");
  log.reopen();
  auto second = sample();
  second.request_id = "after-rotation";
  for (int i = 0; i < 2; ++i)
    log.write(0, second);
  log.stop();
  auto old_text = read_file(path + ".1");
  auto new_text = read_file(path);
  EXPECT_EQ(count_lines(old_text), 3u);
  EXPECT_EQ(old_text.find("after-rotation"), std::string::npos);
  EXPECT_EQ(count_lines(new_text), 2u) << new_text;
  EXPECT_NE(new_text.find("request_id=after-rotation"), std::string::npos);
  EXPECT_EQ(log.reopens(), 1u);
}

}  // namespace
}  // namespace cinestream
