#pragma once
// Levenshtein distance, for near spellings (name matching, search's typo tolerance).
#include <cstddef>
#include <string_view>

namespace cinestream::text {

// Levenshtein distance of two byte strings, or `bound + 1` as soon as it must exceed `bound`
// (a bounded search stops early).
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t bound);

}  // namespace cinestream::text
