#pragma once
// The mail feature installed into the process: the outbox worker as a background task on the
// first loop, its SMTP pool, a /metrics section, and a drain step that stops it. With no SMTP URL
// the worker does not run: messages stay queued (logged once).
#include <chrono>
#include <string>

#include "cinestream/app/app.hpp"
#include "cinestream/mail/worker.hpp"

namespace cinestream::mail {

struct MailOptions {
  std::string smtp_url;  // smtp://host:port or smtps://host:port; empty: no delivery
  bool require_starttls = true;
  std::string username, password, from;
  std::string ca_file;
  std::chrono::seconds timeout{30};
  int max_attempts = 8;
  std::chrono::milliseconds poll_interval{5'000};
  std::chrono::milliseconds backoff_base{30'000};
  // How long the drain waits for a send in flight (it ends within `timeout` anyway).
  std::chrono::milliseconds drain_wait{5'000};
  std::size_t smtp_threads = 1;  // the worker sends one message at a time
};

// Installs the feature; returns the worker (null without an SMTP URL) so enqueuers can notify().
OutboxWorker* install(App& app, MailOptions options);

}  // namespace cinestream::mail
