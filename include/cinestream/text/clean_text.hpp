#pragma once
// Text from outside (answers of the model, names in requests) made safe to store and to show:
// valid UTF-8 only, no control, bidi or zero-width characters, bounded on a character boundary.
#include <cstddef>
#include <string>
#include <string_view>

namespace cinestream {

// Control characters removed, whitespace trimmed, at most `max_bytes` (on a UTF-8 boundary);
// bytes that are not UTF-8 and invisible or reordering characters are dropped.
std::string clean_text(std::string_view s, std::size_t max_bytes = 200);

}  // namespace cinestream
