#pragma once
// Delivery of one message over SMTP with libcurl (blocking: call it on a blocking pool, never on
// an event loop). The message is formed per RFC 5322 / MIME: Date, Message-ID, From, To, a
// Subject encoded per RFC 2047 when it is not ASCII, a UTF-8 text/plain body in base64.
#include <chrono>
#include <string>

#include "cinestream/mail/message.hpp"

namespace cinestream::mail {

struct SmtpOptions {
  std::string url;  // smtp://host:port (STARTTLS when offered or required) or smtps://host:port
  bool require_starttls = true;  // on smtp://: refuse to send in clear text
  std::string username{};        // empty: no AUTH
  std::string password{};
  std::string from{};     // the envelope sender and From: header
  std::string ca_file{};  // empty: the system's CA store
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds timeout{30};  // the whole conversation
};

enum class SendOutcome {
  sent,
  transient,  // try again later: 4xx, connection and TLS failures, timeouts
  permanent,  // 5xx for this message: dead-letter it
};

struct SendResult {
  SendOutcome outcome = SendOutcome::sent;
  long smtp_code = 0;  // the server's last reply code, 0 when none
  std::string error;   // empty when sent
};

class SmtpSender {
 public:
  explicit SmtpSender(SmtpOptions options);
  // Blocking, thread-safe (one curl handle per call).
  SendResult send(const Message& m) const;
  const SmtpOptions& options() const { return options_; }

 private:
  SmtpOptions options_;
};

// The message's bytes as sent (CRLF line ends); exposed for tests.
std::string format_message(const Message& m, const std::string& from,
                           std::chrono::system_clock::time_point date,
                           const std::string& message_id);
// "=?UTF-8?B?...?=" words when `text` is not printable ASCII, else `text` unchanged.
std::string encode_header_words(const std::string& text);

}  // namespace cinestream::mail
