#pragma once
// What an account's fields may be, checked before anything is written. Each check returns the
// problem (a stable code and a message for people) or nothing.
#include <optional>
#include <string>
#include <string_view>

namespace cinestream::accounts {

struct Problem {
  std::string code;  // "invalid_email", "password_too_short", ...
  std::string message;
};

inline constexpr std::size_t kMinPasswordChars = 10;
inline constexpr std::size_t kMaxPasswordChars = 128;
inline constexpr std::size_t kMaxDisplayNameChars = 50;
inline constexpr std::size_t kMaxEmailBytes = 254;

// Trimmed and lower-cased (the whole address: no provider treats case as significant in
// practice, and two accounts differing only in case are a support nightmare). nullopt when it is
// not a plausible address: one '@', a dotted domain, no spaces, quotes or control characters.
std::optional<std::string> normalize_email(std::string_view email);

// Length in characters (10..128), no NUL or control characters, not a common password, not the
// email address itself.
std::optional<Problem> password_problem(std::string_view password, std::string_view email);
bool is_common_password(std::string_view password);

// The name as shown: trimmed; refused when empty, too long, or holding markup, control, bidi or
// invisible characters (cleaning them silently would show another name than the one typed).
std::optional<Problem> display_name_problem(std::string_view name);
std::string trim_name(std::string_view name);

bool is_supported_language(std::string_view lang);  // uk | en | ru

}  // namespace cinestream::accounts
