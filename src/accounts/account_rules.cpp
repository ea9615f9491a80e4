#include "cinestream/accounts/account_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "cinestream/text/clean_text.hpp"

namespace cinestream::embedded {
std::string_view common_passwords_txt();
}

namespace cinestream::accounts {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Code points in valid UTF-8 (the JSON parser has already refused invalid UTF-8).
std::size_t utf8_chars(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const std::unordered_set<std::string_view>& common_passwords() {
  static const auto set = [] {
    std::unordered_set<std::string_view> s;
    std::string_view all = embedded::common_passwords_txt();
    while (!all.empty()) {
      auto nl = all.find('\n');
      auto line = all.substr(0, nl);
      all = nl == std::string_view::npos ? std::string_view{} : all.substr(nl + 1);
      if (!line.empty() && line.front() != '#') s.insert(line);
    }
    return s;
  }();
  return set;
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view email) {
  auto e = trim(email);
  if (e.empty() || e.size() > kMaxEmailBytes) return std::nullopt;
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || e.find('@', at + 1) != e.npos)
    return std::nullopt;
  for (char ch : e) {
    auto c = static_cast<unsigned char>(ch);
    // Printable ASCII without the characters that need quoting in an address (RFC 5322
    // "specials"): what sign-up forms accept in practice, and safe in an SMTP envelope.
    if (c <= 0x20 || c >= 0x7f || std::string_view("()<>[]\\,;:\"").find(ch) != e.npos)
      return std::nullopt;
  }
  auto domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (domain.empty() || dot == 0 || dot == domain.npos || domain.back() == '.' ||
      domain.find("..") != domain.npos) {
    return std::nullopt;
  }
  return lower_ascii(e);
}

bool is_common_password(std::string_view password) {
  return common_passwords().contains(lower_ascii(password));
}

std::optional<Problem> password_problem(std::string_view password, std::string_view email) {
  auto n = utf8_chars(password);
  if (n < kMinPasswordChars)
    return Problem{"password_too_short",
                   fmt::format("use at least {} characters", kMinPasswordChars)};
  if (n > kMaxPasswordChars)
    return Problem{"password_too_long",
                   fmt::format("use at most {} characters", kMaxPasswordChars)};
  if (std::any_of(password.begin(), password.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Problem{"password_invalid", "the password contains control characters"};
  }
  if (is_common_password(password) || (!email.empty() && lower_ascii(password) == email))
    return Problem{"password_common", "this password is too common; choose another"};
  return std::nullopt;
}

std::string trim_name(std::string_view name) {
  return std::string(trim(name));
}

std::optional<Problem> display_name_problem(std::string_view name) {
  auto t = trim(name);
  if (t.empty()) return Problem{"invalid_display_name", "the display name is empty"};
  if (utf8_chars(t) > kMaxDisplayNameChars)
    return Problem{
        "invalid_display_name",
        fmt::format("the display name has more than {} characters", kMaxDisplayNameChars)};
  if (t.find_first_of("<>") != std::string_view::npos)
    return Problem{"invalid_display_name", "the display name may not contain < or >"};
  // clean_text drops control, bidi and zero-width characters: if it changes the name, the name
  // held some.
  if (clean_text(t, 4 * kMaxDisplayNameChars) != t)
    return Problem{"invalid_display_name",
                   "the display name contains control, direction or invisible characters"};
  return std::nullopt;
}

bool is_supported_language(std::string_view lang) {
  return lang == "uk" || lang == "en" || lang == "ru";
}

}  // namespace cinestream::accounts
