// The message as sent (RFC 5322 / MIME / RFC 2047), the header-injection check and the backoff.
#include <gtest/gtest.h>

#include "cinestream/mail/smtp_sender.hpp"
#include "cinestream/mail/worker.hpp"
#include "support/mail_decode.hpp"

namespace cinestream::mail {
namespace {

using namespace std::chrono_literals;

const auto kDate = std::chrono::system_clock::time_point(std::chrono::seconds(1'764'630'000));

TEST(MailMessage, FormsAnRfc5322MessageWithAUtf8Base64Body) {
  Message m{"ana@example.org", "Welcome", "Line one\nLine two\n.\nLast", "verify_email"};
  auto raw =
      format_message(m, "CineStream <noreply@cinestream.example>", kDate, "abc@cinestream.example");
  auto mail = testing::parse_mail(raw);
  EXPECT_EQ(mail.headers["Date"], "Mon, 01 Dec 2025 23:00:00 +0000");
  EXPECT_EQ(mail.headers["Message-ID"], "<abc@cinestream.example>");
  EXPECT_EQ(mail.headers["From"], "CineStream <noreply@cinestream.example>");
  EXPECT_EQ(mail.headers["To"], "ana@example.org");
  EXPECT_EQ(mail.headers["Subject"], "Welcome");
  EXPECT_EQ(mail.headers["MIME-Version"], "1.0");
  EXPECT_EQ(mail.headers["Content-Type"], "text/plain; charset=UTF-8");
  EXPECT_EQ(mail.headers["Content-Transfer-Encoding"], "base64");
  EXPECT_EQ(testing::base64_decode(mail.body), "Line one\r\nLine two\r\n.\r\nLast");
  // Every line ends in CRLF and none is longer than 78 characters (RFC 5322 §2.1.1).
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto eol = raw.find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos) << "a line without CRLF at " << pos;
    EXPECT_LE(eol - pos, 78u);
    EXPECT_EQ(raw.substr(pos, eol - pos).find('\n'), std::string::npos);
    pos = eol + 2;
  }
}

TEST(MailMessage, NonAsciiSubjectIsEncodedWordsThatDecodeBack) {
  std::string subject = "Підтвердіть адресу електронної пошти для CineStream — 確認してください";
  auto encoded = encode_header_words(subject);
  EXPECT_TRUE(encoded.starts_with("=?UTF-8?B?"));
  for (char c : encoded)
    EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  Message m{"a@example.org", subject, "x", "k"};
  auto mail = testing::parse_mail(format_message(m, "n@example.org", kDate, "1@example.org"));
  EXPECT_EQ(testing::decode_words(mail.headers["Subject"]), subject);
  EXPECT_EQ(encode_header_words("Plain subject"), "Plain subject");
}

TEST(MailMessage, LineBreaksInRecipientOrSubjectAreRefused) {
  EXPECT_THROW(check({"a@example.org", "Hi\r\nBcc: b@example.org", "", ""}), InvalidMessage);
  EXPECT_THROW(check({"a@example.org", "Hi\nX: y", "", ""}), InvalidMessage);
  EXPECT_THROW(check({"a@example.org\r\n", "Hi", "", ""}), InvalidMessage);
  EXPECT_THROW(check({"<a@example.org>", "Hi", "", ""}), InvalidMessage);
  EXPECT_THROW(check({"@example.org", "Hi", "", ""}), InvalidMessage);
  EXPECT_NO_THROW(check({"a.b+c@example.org", "Hi", "multi\nline\nbody", ""}));
}

TEST(MailMessage, SenderRefusesAnInjectedSubjectWithoutConnecting) {
  // Port 1 on loopback has no server: a refusal without a connection is permanent, not a
  // connection error.
  SmtpSender sender({.url = "smtp://127.0.0.1:1", .from = "n@example.org"});
  auto r = sender.send({"a@example.org", "Hi\r\nBcc: b@example.org", "x", "k"});
  EXPECT_EQ(r.outcome, SendOutcome::permanent);
  EXPECT_NE(r.error.find("line break"), std::string::npos) << r.error;
}

TEST(MailBackoff, DoublesPerAttemptWithinItsJitterAndStopsAtTheCap) {
  EXPECT_EQ(backoff_delay(1, 1000ms, 1h, 0.0), 500ms);
  EXPECT_EQ(backoff_delay(1, 1000ms, 1h, 1.0), 1000ms);
  EXPECT_EQ(backoff_delay(2, 1000ms, 1h, 0.0), 1000ms);
  EXPECT_EQ(backoff_delay(4, 1000ms, 1h, 1.0), 8000ms);
  EXPECT_EQ(backoff_delay(40, 1000ms, 1h, 1.0), 1h);
  EXPECT_EQ(backoff_delay(40, 1000ms, 1h, 0.0), 30min);
}

}  // namespace
}  // namespace cinestream::mail
