#pragma once
// The outbox worker: a coroutine that claims due messages in batches, sends each over SMTP on its
// own bounded blocking pool, and records the outcome (sent; a transient failure retried after an
// exponential backoff with jitter; a permanent one, or the last allowed attempt, dead-lettered).
// It wakes on a timer (at most `poll_interval` apart) and on notify(); stop() ends it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cinestream/mail/outbox.hpp"
#include "cinestream/mail/smtp_sender.hpp"
#include "cinestream/runtime/blocking_pool.hpp"

namespace cinestream::mail {

struct WorkerOptions {
  std::string owner{};  // this worker's lease name; empty: host, pid and a random suffix
  std::size_t batch = 16;
  int max_attempts = 8;  // after this many failed attempts a message is dead-lettered
  std::chrono::milliseconds poll_interval{5'000};
  std::chrono::milliseconds lease{120'000};  // longer than one send's timeout
  std::chrono::milliseconds backoff_base{30'000};
  std::chrono::milliseconds backoff_max{3'600'000};
};

// The delay before retry number `attempts` (1 = after the first failure): base * 2^(attempts-1)
// capped at max, then a random point in its upper half (`unit` in [0, 1)), so workers that failed
// together do not retry together.
std::chrono::milliseconds backoff_delay(int attempts, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double unit);

// Sends one message (blocking); SmtpSender in production, anything in tests.
using SendFn = std::function<SendResult(const Message&)>;

class OutboxWorker {
 public:
  // `db` runs the repository's calls, `smtp` the sends; `loop` is where run() is spawned.
  OutboxWorker(boost::asio::io_context& loop, OutboxRepository& repo, BlockingPool& db,
               BlockingPool& smtp, SendFn send, WorkerOptions options);
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // Runs until stop(): batches while messages are due, then waits for the timer or notify().
  boost::asio::awaitable<void> run();
  // One batch: claims and handles up to `batch` due messages; returns how many it claimed.
  boost::asio::awaitable<std::size_t> run_once();
  // Wakes run() now (from any thread): an enqueuer calls it after its commit.
  void notify();
  // Ends run() after the message in hand (from any thread); it claims nothing more.
  void stop();
  // stop(), then waits (at most `max_wait`) for run() to end, so no send is left in flight.
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds max_wait);

  struct Stats {
    std::uint64_t sent = 0;
    std::uint64_t retried = 0;
    std::uint64_t dead = 0;
    std::uint64_t errors = 0;   // the store or the pools failed a batch
    std::uint64_t batches = 0;  // passes of run() over the outbox
  };
  Stats stats() const;
  // The outbox's counts as last read by run() (after each batch; /metrics must not call the store
  // on an event loop).
  OutboxCounts counts() const;
  // Prometheus text: the counters above and the outbox's counts.
  std::string render_metrics() const;
  const WorkerOptions& options() const { return options_; }

 private:
  boost::asio::awaitable<void> handle(const OutboxEntry& entry);

  boost::asio::io_context& loop_;
  OutboxRepository& repo_;
  BlockingPool& db_;
  BlockingPool& smtp_;
  SendFn send_;
  WorkerOptions options_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> woken_{false};
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> retried_{0};
  std::atomic<std::uint64_t> dead_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::int64_t> queued_{0};
  std::atomic<std::int64_t> outbox_sent_{0};
  std::atomic<std::int64_t> outbox_dead_{0};
};

}  // namespace cinestream::mail
