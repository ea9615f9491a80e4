#include "cinestream/text/clean_text.hpp"

#include <algorithm>

namespace cinestream {

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF && cont(1)) {
    cp = (c & 0x1Fu) << 6 | (b(1) & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    cp = (c & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
    return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    cp = (c & 0x07u) << 18 | (b(1) & 0x3Fu) << 12 | (b(2) & 0x3Fu) << 6 | (b(3) & 0x3Fu);
    return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

// Characters that are invisible or reorder text: a scraped name must look like what it is.
bool is_format_character(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) ||      // C1 controls
         (cp >= 0x200B && cp <= 0x200F) ||  // zero-width space/joiners, LRM, RLM
         (cp >= 0x202A && cp <= 0x202E) ||  // bidi embeddings and overrides
         (cp >= 0x2060 && cp <= 0x2064) ||  // word joiner, invisible operators
         (cp >= 0x2066 && cp <= 0x2069) ||  // bidi isolates
         cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xAD;
}

}  // namespace

std::string clean_text(std::string_view s, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    auto n = utf8_sequence(s, i, cp);
    if (n == 0) {  // not UTF-8: dropped byte by byte, never passed on half-decoded
      ++i;
      continue;
    }
    auto bytes = s.substr(i, n);
    i += n;
    // Control characters, line separators and runs of spaces become one space.
    if (cp <= 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029 || cp == 0xA0) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    if (is_format_character(cp)) continue;
    out.append(bytes);
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  out.erase(0, b);
  if (out.size() > max_bytes) {
    // Never half a character: cut before the character that would not fit whole.
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut;
    out.resize(cut);
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
  }
  return out;
}

}  // namespace cinestream
