#pragma once
// What a search query must be before it is searched: the error a visitor is told otherwise.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cinestream::search {

// Longer queries are not titles nor plot descriptions: refused rather than cut.
inline constexpr std::size_t kMaxQueryChars = 200;

// nullopt when `q` may be searched; else a message for the visitor: empty or only whitespace,
// not UTF-8, control characters, more than kMaxQueryChars characters, or no letter or digit.
std::optional<std::string> validate_query(std::string_view q);

}  // namespace cinestream::search
