#include "cinestream/mail/install.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace cinestream::mail {
namespace {

// The URL for the log, without a password someone put in it.
std::string redacted(std::string url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto host_end = url.find('/', scheme + 3);
  auto at = url.rfind('@', host_end);
  if (at != std::string::npos && at > scheme) url.replace(scheme + 3, at - scheme - 3, "***");
  return url;
}

}  // namespace

OutboxWorker* install(App& app, MailOptions options) {
  if (options.smtp_url.empty()) {
    spdlog::warn(
        "mail: no SMTP URL (--smtp-url): messages stay queued in the outbox, none is sent");
    return nullptr;
  }
  auto& repo = app.own(make_outbox_repository(app.database()));
  // Sends wait on remote servers for up to their timeout: their own pool, so they never hold the
  // threads the database calls need. The queue bound is the worker's batch: it never has more.
  WorkerOptions worker_options;
  worker_options.max_attempts = options.max_attempts;
  worker_options.poll_interval = options.poll_interval;
  worker_options.backoff_base = options.backoff_base;
  worker_options.lease = std::max<std::chrono::milliseconds>(
      worker_options.lease,
      4 * std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout));
  auto& smtp_pool = app.own(std::make_unique<BlockingPool>(
      std::max<std::size_t>(1, options.smtp_threads), worker_options.batch, "smtp"));
  SmtpOptions smtp;
  smtp.url = std::move(options.smtp_url);
  smtp.require_starttls = options.require_starttls;
  smtp.username = std::move(options.username);
  smtp.password = std::move(options.password);
  smtp.from = std::move(options.from);
  smtp.ca_file = std::move(options.ca_file);
  smtp.timeout = options.timeout;
  auto& sender = app.own(std::make_unique<SmtpSender>(std::move(smtp)));
  auto& worker = app.own(std::make_unique<OutboxWorker>(
      app.loops().at(0), repo, app.pools().db(), smtp_pool,
      [&sender](const Message& m) { return sender.send(m); }, std::move(worker_options)));
  app.add_metrics([&worker] { return worker.render_metrics(); });
  app.spawn([&worker] { return worker.run(); });
  // After the requests: a message they enqueued may still go out in this batch; then no send is
  // left in flight on the SMTP pool when the loops stop.
  auto max_wait = std::min(options.drain_wait,
                           std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout));
  app.on_drain(DrainStage::after_requests_end,
               [&worker, max_wait] { return worker.shutdown(max_wait); });
  spdlog::info("mail: delivering the outbox through {}", redacted(sender.options().url));
  return &worker;
}

}  // namespace cinestream::mail
