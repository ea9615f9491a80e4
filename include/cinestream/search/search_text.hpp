#pragma once
// Text folded for search, the same on both sides of a match (documents and queries): case,
// punctuation and diacritics removed, Ukrainian and Russian Cyrillic romanised, and each word cut
// to its phonetic skeleton so that the usual spellings of one sound meet ("tini zabutykh" and
// "Тіні забутих", "dyuna"/"diuna"/"Дюна", kh/h, y/i/j, ts/tz, shch/sch, ya/ia/ja, zh/z,
// apostrophes dropped). Built on text's normalize_key, to_latin and skeleton (the national
// romanisation table the cinema matcher already uses) rather than ICU: ICU's Any-Latin gives
// scholarly ISO 9 spellings (č, š, ǵ) that still need this folding of variants, its
// Transliterator objects are not safe to share between threads, and it would be a new
// dependency for what a 40-entry table does.
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::search {

// The folded words of `text`, in order (ASCII letters and digits; see skeleton for the few
// upper-case sound markers). Empty when the text has no letters or digits.
std::vector<std::string> fold_words(std::string_view text);

// fold_words joined by single spaces.
std::string fold(std::string_view text);

}  // namespace cinestream::search
