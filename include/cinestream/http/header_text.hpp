#pragma once
// Small helpers for header values: optional whitespace and ASCII case, as HTTP defines them.
#include <algorithm>
#include <cctype>
#include <string_view>

namespace cinestream::http {

// Without leading and trailing spaces and tabs (HTTP's OWS).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Equal but for ASCII case (tokens, schemes, host names).
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace cinestream::http
