#include "cinestream/mail/worker.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace cinestream::mail {
namespace asio = boost::asio;

namespace {

std::string default_owner() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  return fmt::format("{}-{}-{:08x}", host, ::getpid(), rd());
}

double jitter_unit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

std::chrono::milliseconds backoff_delay(int attempts, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, double unit) {
  double full = static_cast<double>(base.count()) * std::pow(2.0, std::max(0, attempts - 1));
  full = std::min(full, static_cast<double>(max.count()));
  unit = std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(full / 2 + full / 2 * unit));
}

OutboxWorker::OutboxWorker(asio::io_context& loop, OutboxRepository& repo, BlockingPool& db,
                           BlockingPool& smtp, SendFn send, WorkerOptions options)
    : loop_(loop),
      repo_(repo),
      db_(db),
      smtp_(smtp),
      send_(std::move(send)),
      options_(std::move(options)),
      timer_(loop) {
  if (options_.owner.empty()) options_.owner = default_owner();
  options_.batch = std::max<std::size_t>(1, options_.batch);
  options_.max_attempts = std::max(1, options_.max_attempts);
}

asio::awaitable<void> OutboxWorker::run() {
  running_ = true;
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{running_};
  while (!stopping_) {
    std::size_t claimed = 0;
    try {
      claimed = co_await run_once();
      auto read_counts = [this] { return repo_.counts(); };
      auto c = co_await db_.run(read_counts);
      queued_ = c.queued;
      outbox_sent_ = c.sent;
      outbox_dead_ = c.dead;
      ++batches_;
    } catch (const std::exception& e) {
      // The store or a pool failed: the messages stay queued (or leased until the lease lapses),
      // and the next poll tries again.
      ++errors_;
      spdlog::warn("mail: outbox batch failed: {}", e.what());
      claimed = 0;
    }
    if (stopping_) break;
    if (claimed >= options_.batch) continue;  // a full batch: more may be due now
    if (woken_.exchange(false)) continue;
    timer_.expires_after(options_.poll_interval);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    woken_ = false;
  }
}

asio::awaitable<std::size_t> OutboxWorker::run_once() {
  auto now = Clock::now();
  auto claim = [this, now] {
    return repo_.claim_due(options_.owner, options_.batch, now, options_.lease);
  };
  auto entries = co_await db_.run(claim);
  for (const auto& entry : entries) {
    if (stopping_) {
      // Stopping: what was claimed but not tried is due again at once, for the next worker.
      auto release = [this, id = entry.id, now = Clock::now()] {
        return repo_.schedule_retry(id, options_.owner, now, "worker stopped before sending");
      };
      co_await db_.run(release);
      continue;
    }
    co_await handle(entry);
  }
  co_return entries.size();
}

asio::awaitable<void> OutboxWorker::handle(const OutboxEntry& entry) {
  SendResult result;
  try {
    auto send = [this, message = entry.message] { return send_(message); };
    result = co_await smtp_.run(send);
  } catch (const std::exception& e) {
    result = {SendOutcome::transient, 0, e.what()};  // the SMTP pool is full or stopped
  }
  auto now = Clock::now();
  const auto& owner = options_.owner;
  if (result.outcome == SendOutcome::sent) {
    auto mark = [this, id = entry.id, &owner, now] { return repo_.mark_sent(id, owner, now); };
    co_await db_.run(mark);
    ++sent_;
    spdlog::info("mail: sent {} message {} (attempt {})", entry.message.kind, entry.id,
                 entry.attempts);
  } else if (result.outcome == SendOutcome::permanent || entry.attempts >= options_.max_attempts) {
    auto bury = [this, id = entry.id, &owner, error = result.error] {
      return repo_.dead_letter(id, owner, error);
    };
    co_await db_.run(bury);
    ++dead_;
    spdlog::warn("mail: {} message {} dead-lettered after {} attempt(s): {}", entry.message.kind,
                 entry.id, entry.attempts, result.error);
  } else {
    auto at = now + backoff_delay(entry.attempts, options_.backoff_base, options_.backoff_max,
                                  jitter_unit());
    auto retry = [this, id = entry.id, &owner, at, error = result.error] {
      return repo_.schedule_retry(id, owner, at, error);
    };
    co_await db_.run(retry);
    ++retried_;
    spdlog::info("mail: {} message {} failed (attempt {}), retried later: {}", entry.message.kind,
                 entry.id, entry.attempts, result.error);
  }
}

void OutboxWorker::notify() {
  woken_ = true;
  // The timer belongs to the loop: only the loop may cancel it.
  asio::post(loop_, [this] { timer_.cancel(); });
}

void OutboxWorker::stop() {
  stopping_ = true;
  asio::post(loop_, [this] { timer_.cancel(); });
}

asio::awaitable<void> OutboxWorker::shutdown(std::chrono::milliseconds max_wait) {
  stop();
  // Polled: run() may be inside a send on the SMTP pool, which ends within its own timeout.
  asio::steady_timer wait(co_await asio::this_coro::executor);
  auto until = std::chrono::steady_clock::now() + max_wait;
  while (running_ && std::chrono::steady_clock::now() < until) {
    wait.expires_after(std::chrono::milliseconds(20));
    boost::system::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

OutboxWorker::Stats OutboxWorker::stats() const {
  return {sent_.load(), retried_.load(), dead_.load(), errors_.load(), batches_.load()};
}

OutboxCounts OutboxWorker::counts() const {
  return {queued_.load(), outbox_sent_.load(), outbox_dead_.load()};
}

std::string OutboxWorker::render_metrics() const {
  auto s = stats();
  auto c = counts();
  return fmt::format(
      "# HELP cinestream_mail_sent_total Messages this process delivered.\n"
      "# TYPE cinestream_mail_sent_total counter\ncinestream_mail_sent_total {}\n"
      "# HELP cinestream_mail_retried_total Deliveries that failed and were scheduled again.\n"
      "# TYPE cinestream_mail_retried_total counter\ncinestream_mail_retried_total {}\n"
      "# HELP cinestream_mail_dead_total Messages this process dead-lettered.\n"
      "# TYPE cinestream_mail_dead_total counter\ncinestream_mail_dead_total {}\n"
      "# HELP cinestream_mail_errors_total Outbox batches that failed (store or pool).\n"
      "# TYPE cinestream_mail_errors_total counter\ncinestream_mail_errors_total {}\n"
      "# HELP cinestream_mail_outbox Messages in the outbox by status (all processes).\n"
      "# TYPE cinestream_mail_outbox gauge\n"
      "cinestream_mail_outbox{{status=\"queued\"}} {}\n"
      "cinestream_mail_outbox{{status=\"sent\"}} {}\n"
      "cinestream_mail_outbox{{status=\"dead\"}} {}\n",
      s.sent, s.retried, s.dead, s.errors, c.queued, c.sent, c.dead);
}

}  // namespace cinestream::mail
