#pragma once
// Text keys for matching the same movie, cinema or city written differently.
#include <string>
#include <string_view>

namespace cinestream {

// Lower-cases ASCII and Cyrillic letters (UTF-8), turns punctuation into spaces, collapses runs of
// spaces and trims. "Multiplex, ТРЦ «Gulliver»!" -> "multiplex трц gulliver".
std::string normalize_key(std::string_view text);

// Case-insensitive equality of two UTF-8 strings under normalize_key's folding.
bool same_key(std::string_view a, std::string_view b);

}  // namespace cinestream
