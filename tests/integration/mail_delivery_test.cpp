// The outbox worker delivering to a real SMTP server on loopback (tests/support/smtp_server.py,
// Debian's python3-aiosmtpd): STARTTLS and AUTH, a 451 retried, a 550 dead-lettered, a server
// that is down retried with backoff, and no clear text when STARTTLS is required.
#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

#include "cinestream/mail/outbox.hpp"
#include "cinestream/mail/worker.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/eventually.hpp"
#include "support/mail_decode.hpp"
#include "support/server_process.hpp"
#include "support/smtp_server.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::mail {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A port on loopback with nobody listening: bound, then closed.
int closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class MailDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = make_sqlite_store(dir_.str() + "/test.sqlite3", 2);
    db_->ensure_schema();
    migrate(*db_);
    repo_ = make_outbox_repository(*db_);
  }

  void start_server(const testing::SmtpServerOptions& options) {
    server_ = std::make_unique<testing::SmtpServer>(dir_.path() / "smtp", options);
    ASSERT_TRUE(server_->running()) << server_->log();
  }

  // The worker as install() builds it, with `smtp` for the sender.
  void make_worker(SmtpOptions smtp, WorkerOptions options = {}) {
    smtp.from = "CineStream <noreply@cinestream.test>";
    smtp.timeout = 10s;
    sender_ = std::make_unique<SmtpSender>(std::move(smtp));
    options.owner = "test-worker";
    worker_ = std::make_unique<OutboxWorker>(
        io_, *repo_, db_pool_, smtp_pool_, [this](const Message& m) { return sender_->send(m); },
        options);
  }

  void enqueue(const Message& m) {
    db_->sqlite()->with([&](sqlite::Connection& c) {
      sqlite::WriteTransaction tx(c);
      mail::enqueue(c, m, Clock::now());
      tx.commit();
    });
  }

  // One batch on the test's loop, as run() does it.
  std::size_t run_once() {
    auto f = asio::co_spawn(io_, worker_->run_once(), asio::use_future);
    io_.restart();
    io_.run();
    return f.get();
  }

  OutboxEntry only_entry() {
    auto all = repo_->list();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? OutboxEntry{} : all[0];
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<OutboxRepository> repo_;
  std::unique_ptr<testing::SmtpServer> server_;
  asio::io_context io_;
  BlockingPool db_pool_{1, 16, "db"};
  BlockingPool smtp_pool_{1, 16, "smtp"};
  std::unique_ptr<SmtpSender> sender_;
  std::unique_ptr<OutboxWorker> worker_;
};

TEST_F(MailDelivery, MessageGoesThroughStartTlsAndAuthAndArrivesIntact) {
  start_server({.starttls = true, .user = "mailer", .password = "s3cret-pass"});
  make_worker({.url = server_->url(),
               .require_starttls = true,
               .username = "mailer",
               .password = "s3cret-pass",
               .ca_file = server_->ca_file()});
  std::string subject = "Підтвердіть адресу — CineStream";
  std::string body =
      "Вітаємо!\nПерейдіть за посиланням:\nhttps://cinestream.test/verify?t=abc\n.\nКінець";
  enqueue({"ana@example.org", subject, body, "verify_email"});

  EXPECT_EQ(run_once(), 1u);
  auto entry = only_entry();
  EXPECT_EQ(entry.status, OutboxStatus::sent) << entry.last_error << "\n" << server_->log();
  EXPECT_EQ(entry.attempts, 1);
  auto received = server_->messages();
  ASSERT_EQ(received.size(), 1u) << server_->log();
  auto mail = testing::parse_mail(received[0]);
  EXPECT_EQ(mail.headers["X-Tls"], "yes");
  EXPECT_EQ(mail.headers["X-Authenticated"], "yes");
  EXPECT_EQ(mail.headers["X-Envelope-From"], "noreply@cinestream.test");
  EXPECT_EQ(mail.headers["X-Envelope-To"], "ana@example.org");
  EXPECT_EQ(mail.headers["To"], "ana@example.org");
  EXPECT_EQ(mail.headers["From"], "CineStream <noreply@cinestream.test>");
  EXPECT_EQ(testing::decode_words(mail.headers["Subject"]), subject);
  EXPECT_EQ(mail.headers["Content-Type"], "text/plain; charset=UTF-8");
  EXPECT_TRUE(mail.headers["Message-ID"].ends_with("@cinestream.test>"));
  EXPECT_FALSE(mail.headers["Date"].empty());
  std::string expected_body;
  for (char c : body)
    expected_body += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_EQ(testing::base64_decode(mail.body), expected_body);
  EXPECT_EQ(worker_->stats().sent, 1u);
}

TEST_F(MailDelivery, WrongPasswordIsRetriedNotSentAndNotDeadLettered) {
  start_server({.starttls = true, .user = "mailer", .password = "s3cret-pass"});
  make_worker({.url = server_->url(),
               .username = "mailer",
               .password = "wrong",
               .ca_file = server_->ca_file()});
  enqueue({"ana@example.org", "Hi", "x", "verify_email"});
  EXPECT_EQ(run_once(), 1u);
  auto entry = only_entry();
  // A 535 is the configuration's fault, not the message's: retried, not dead-lettered.
  EXPECT_EQ(entry.status, OutboxStatus::queued) << entry.last_error;
  EXPECT_NE(entry.last_error.find("535"), std::string::npos) << entry.last_error;
  EXPECT_TRUE(server_->messages().empty());
}

TEST_F(MailDelivery, StartTlsRequiredButNotOfferedSendsNothingInClearText) {
  start_server({});
  make_worker({.url = server_->url(), .require_starttls = true});
  enqueue({"ana@example.org", "Hi", "secret reset link", "password_reset"});
  EXPECT_EQ(run_once(), 1u);
  auto entry = only_entry();
  EXPECT_EQ(entry.status, OutboxStatus::queued);
  EXPECT_FALSE(entry.last_error.empty());
  EXPECT_TRUE(server_->messages().empty()) << "the message went out without TLS";
}

TEST_F(MailDelivery, TransientRefusalIsRetriedThenDelivered) {
  start_server({.tempfail = {"bob@example.org=1"}});
  make_worker({.url = server_->url(), .require_starttls = false},
              {.backoff_base = 1ms, .backoff_max = 1ms});
  enqueue({"bob@example.org", "Hello Bob", "body", "verify_email"});
  EXPECT_EQ(run_once(), 1u);
  auto first = only_entry();
  EXPECT_EQ(first.status, OutboxStatus::queued);
  EXPECT_NE(first.last_error.find("451"), std::string::npos) << first.last_error;
  EXPECT_EQ(worker_->stats().retried, 1u);
  EXPECT_TRUE(server_->messages().empty());

  ASSERT_TRUE(testing::eventually([&] { return run_once() == 1; }));
  auto second = only_entry();
  EXPECT_EQ(second.status, OutboxStatus::sent) << second.last_error;
  EXPECT_EQ(second.attempts, 2);
  ASSERT_EQ(server_->messages().size(), 1u);
  EXPECT_EQ(testing::parse_mail(server_->messages()[0]).headers["Subject"], "Hello Bob");
}

TEST_F(MailDelivery, PermanentRefusalIsDeadLetteredAtOnce) {
  start_server({.reject = {"gone@example.org"}});
  make_worker({.url = server_->url(), .require_starttls = false}, {.max_attempts = 5});
  enqueue({"gone@example.org", "Hi", "x", "verify_email"});
  enqueue({"here@example.org", "Hi", "x", "verify_email"});
  EXPECT_EQ(run_once(), 2u);
  auto all = repo_->list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, OutboxStatus::dead);
  EXPECT_EQ(all[0].attempts, 1);
  EXPECT_NE(all[0].last_error.find("550"), std::string::npos) << all[0].last_error;
  EXPECT_EQ(all[1].status, OutboxStatus::sent) << "one refusal does not hold up the others";
  EXPECT_EQ(worker_->stats().dead, 1u);
  EXPECT_EQ(server_->messages().size(), 1u);
}

TEST_F(MailDelivery, ServerDownIsRetriedWithGrowingBackoffThenDeadLettered) {
  make_worker({.url = fmt::format("smtp://127.0.0.1:{}", closed_port()), .require_starttls = false},
              {.max_attempts = 3, .backoff_base = 40ms, .backoff_max = 10s});
  enqueue({"ana@example.org", "Hi", "x", "verify_email"});
  for (int attempt = 1; attempt <= 2; ++attempt) {
    Clock::time_point before;
    ASSERT_TRUE(testing::eventually([&] {
      before = Clock::now();
      return run_once() == 1;
    }));
    auto after = Clock::now();
    auto e = only_entry();
    EXPECT_EQ(e.status, OutboxStatus::queued);
    EXPECT_EQ(e.attempts, attempt);
    EXPECT_FALSE(e.last_error.empty());
    // Backoff: base * 2^(attempt-1), jittered within its upper half.
    auto full = 40ms * (1 << (attempt - 1));
    EXPECT_GE(e.next_attempt_at, before + full / 2) << "attempt " << attempt;
    EXPECT_LE(e.next_attempt_at, after + full) << "attempt " << attempt;
  }
  ASSERT_TRUE(testing::eventually([&] { return run_once() == 1; }));
  auto e = only_entry();
  EXPECT_EQ(e.status, OutboxStatus::dead) << "after max_attempts";
  EXPECT_EQ(e.attempts, 3);
  EXPECT_EQ(worker_->stats().retried, 2u);
  EXPECT_EQ(worker_->stats().dead, 1u);
}

TEST_F(MailDelivery, RunningWorkerWakesOnNotifyAndStops) {
  start_server({});
  make_worker({.url = server_->url(), .require_starttls = false}, {.poll_interval = 1h});
  auto guard = asio::make_work_guard(io_);
  std::thread loop([&] { io_.run(); });
  auto done = asio::co_spawn(io_, worker_->run(), asio::use_future);
  // The first pass finds nothing; then only notify() can wake it before an hour.
  ASSERT_TRUE(testing::eventually([&] { return worker_->stats().batches >= 1; }));
  enqueue({"ana@example.org", "Hi", "x", "verify_email"});
  worker_->notify();
  EXPECT_TRUE(testing::eventually([&] { return server_->messages().size() == 1; }, 10s));
  worker_->stop();
  EXPECT_EQ(done.wait_for(10s), std::future_status::ready);
  guard.reset();
  loop.join();
  EXPECT_EQ(only_entry().status, OutboxStatus::sent);
}

// The binary: serve migrates the outbox, and with --smtp-* (the password from the environment)
// its worker delivers what a feature queued, and counts it in /metrics.
TEST(MailServe, ServeDeliversTheQueuedOutboxThroughStartTlsAndAuth) {
  testing::TempDir dir;
  testing::SmtpServer smtp(dir.path() / "smtp",
                           {.starttls = true, .user = "mailer", .password = "env-secret"});
  ASSERT_TRUE(smtp.running()) << smtp.log();
  auto data = dir.path() / "data";
  std::filesystem::create_directories(data);
  {
    auto db = open_store({data.string(), "", 1});
    db->ensure_schema();
    migrate(*db);
    db->sqlite()->with([](sqlite::Connection& c) {
      sqlite::WriteTransaction tx(c);
      enqueue(c, {"ana@example.org", "Queued before start", "hello", "verify_email"}, Clock::now());
      tx.commit();
    });
  }
  testing::ServerProcess server(
      data.string(),
      {"--smtp-url", smtp.url(), "--smtp-user", "mailer", "--smtp-ca-file", smtp.ca_file(),
       "--smtp-from", "CineStream <noreply@cinestream.test>"},
      {{"SMTP_PASSWORD", "env-secret"}});
  ASSERT_TRUE(testing::eventually([&] { return smtp.messages().size() == 1; }, 15s))
      << server.log() << smtp.log();
  auto mail = testing::parse_mail(smtp.messages()[0]);
  EXPECT_EQ(mail.headers["Subject"], "Queued before start");
  EXPECT_EQ(mail.headers["X-Authenticated"], "yes");
  testing::HttpClient client(server.port());
  EXPECT_TRUE(testing::eventually([&] {
    auto body = client.get("/metrics").body;
    return body.find("cinestream_mail_sent_total 1\n") != std::string::npos &&
           body.find("cinestream_mail_outbox{status=\"sent\"} 1\n") != std::string::npos;
  }));
}

TEST(MailServe, WithoutAnSmtpUrlMailStaysQueuedAndTheLogSaysSo) {
  testing::TempDir dir;
  auto data = dir.path() / "data";
  std::filesystem::create_directories(data);
  testing::ServerProcess server(data.string());
  auto db = open_store({data.string(), "", 1});
  EXPECT_EQ(sqlite::schema_version(*db->sqlite(), "mail"), 1) << "serve migrates the outbox";
  ASSERT_TRUE(testing::eventually([&] {
    return server.log().find("no SMTP URL") != std::string::npos;
  })) << server.log();
  auto log = server.log();
  auto first = log.find("no SMTP URL");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("no SMTP URL", first + 1), std::string::npos) << "said once";
}

}  // namespace
}  // namespace cinestream::mail
