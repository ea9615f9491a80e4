#pragma once
// Text keys for matching the same movie, cinema or city written differently.
#include <string>
#include <string_view>

namespace cinestream {

// Decodes one UTF-8 code point at s[i] and advances i; invalid bytes decode as U+FFFD.
char32_t next_code_point(std::string_view s, std::size_t& i);
void append_utf8(std::string& out, char32_t cp);

// Lower-cases ASCII and Cyrillic letters (UTF-8), turns punctuation into spaces, collapses runs of
// spaces and trims. "Multiplex, ТРЦ «Gulliver»!" -> "multiplex трц gulliver".
std::string normalize_key(std::string_view text);

// Case-insensitive equality of two UTF-8 strings under normalize_key's folding.
bool same_key(std::string_view a, std::string_view b);

}  // namespace cinestream
