#include "cinestream/mail/smtp_sender.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <random>
#include <string_view>

namespace cinestream::mail {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
             (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i < in.size()) {
    auto n = std::uint32_t(std::uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) n |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The bare address of "Name <addr>" or "addr", for the envelope.
std::string envelope_address(const std::string& from) {
  auto open = from.rfind('<');
  auto close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return from.substr(open + 1, close - open - 1);
  return from;
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string random_hex(std::size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i)
    out += fmt::format("{:02x}", static_cast<unsigned>(rng() & 0xff));
  return out;
}

// Line ends as SMTP wants them: every LF (with or without its CR) becomes CRLF.
std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

// curl_global_init is not thread-safe: once, before the first handle.
void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  std::string data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

}  // namespace

std::string encode_header_words(const std::string& text) {
  bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
  if (plain && text.find("=?") == std::string::npos) return text;
  // Encoded words of at most 75 characters (RFC 2047 §2): 45 bytes of text become 60 of base64;
  // a word never splits a UTF-8 sequence (§5: each word must be a whole character sequence).
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = std::min(text.size(), i + 45);
    while (end < text.size() && end > i && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(text).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string format_message(const Message& m, const std::string& from,
                           std::chrono::system_clock::time_point date,
                           const std::string& message_id) {
  std::string out;
  out += "Date: " + rfc5322_date(date) + "\r\n";
  out += "Message-ID: <" + message_id + ">\r\n";
  out += "From: " + from + "\r\n";
  out += "To: " + m.to + "\r\n";
  out += "Subject: " + encode_header_words(m.subject) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "\r\n";
  // base64 in lines of 76 (RFC 2045 §6.8): no line of the body can be a lone "." for SMTP.
  auto body = base64(crlf(m.text_body));
  for (std::size_t i = 0; i < body.size(); i += 76)
    out += body.substr(i, 76) + "\r\n";
  return out;
}

SmtpSender::SmtpSender(SmtpOptions options) : options_(std::move(options)) {
  init_curl();
}

SendResult SmtpSender::send(const Message& m) const {
  try {
    check(m);
  } catch (const InvalidMessage& e) {
    return {SendOutcome::permanent, 0, e.what()};
  }
  std::string from_addr = envelope_address(options_.from);
  auto domain = from_addr.substr(from_addr.find('@') + 1);
  if (domain.empty() || domain == from_addr) domain = "localhost";
  Upload upload{format_message(m, options_.from, std::chrono::system_clock::now(),
                               fmt::format("{}@{}", random_hex(16), domain)),
                0};

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return {SendOutcome::transient, 0, "curl_easy_init failed"};
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
      curl_slist_append(nullptr, fmt::format("<{}>", m.to).c_str()), &curl_slist_free_all);
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  auto mail_from = fmt::format("<{}>", from_addr);
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  // STARTTLS: required means no clear-text fallback when the server does not offer it.
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   options_.require_starttls ? static_cast<long>(CURLUSESSL_ALL)
                                             : static_cast<long>(CURLUSESSL_TRY));
  if (!options_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // called from pool threads: no SIGALRM timeouts
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return {SendOutcome::sent, code, {}};
  std::string error =
      fmt::format("{} ({}{})", errbuf[0] ? errbuf : curl_easy_strerror(rc), curl_easy_strerror(rc),
                  code ? fmt::format(", SMTP {}", code) : "");
  // A 5xx refuses this message for good. A refused login or a missing STARTTLS is the server's or
  // the configuration's problem, not the message's: retried (and dead-lettered only after the
  // last attempt), so fixing the configuration still delivers it.
  bool config_problem = rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED;
  if (code >= 500 && code < 600 && !config_problem) return {SendOutcome::permanent, code, error};
  return {SendOutcome::transient, code, error};
}

}  // namespace cinestream::mail
