#include "cinestream/text/normalize.hpp"

#include <cstdint>

namespace cinestream {

char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    i += 1;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0) {
    int c1 = cont(1);
    if (c1 >= 0) {
      i += 2;
      return static_cast<char32_t>(((b0 & 0x1F) << 6) | c1);
    }
  } else if ((b0 & 0xF0) == 0xE0) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      i += 3;
      return static_cast<char32_t>(((b0 & 0x0F) << 12) | (c1 << 6) | c2);
    }
  } else if ((b0 & 0xF8) == 0xF0) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      i += 4;
      return static_cast<char32_t>(((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3);
    }
  }
  i += 1;
  return 0xFFFD;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

char32_t fold_case(char32_t cp) {
  if (cp >= U'A' && cp <= U'Z') return cp + 32;
  if (cp >= 0x0410 && cp <= 0x042F) cp += 32;                  // А..Я
  if (cp >= 0x0400 && cp <= 0x040F) cp += 80;                  // Ѐ..Џ (Є, І, Ї, Ё ...)
  if (cp == 0x0490) cp = 0x0491;                               // Ґ
  if (cp == 0x0451) cp = 0x0435;                               // ё -> е: spelled either way
  if (cp == 0x2019 || cp == 0x02BC || cp == 0x60) cp = U'\'';  // apostrophe variants
  return cp;
}

bool is_word_char(char32_t cp) {
  return (cp >= U'a' && cp <= U'z') || (cp >= U'0' && cp <= U'9') ||
         (cp >= 0x00C0 && cp <= 0x024F && cp != 0x00D7 && cp != 0x00F7) ||
         (cp >= 0x0400 && cp <= 0x04FF);
}

}  // namespace

std::string normalize_key(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = fold_case(next_code_point(text, i));
    if (cp == U'\'') continue;  // "Kam'ianske" == "Kamianske"
    if (is_word_char(cp)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      append_utf8(out, cp);
    } else {
      pending_space = true;
    }
  }
  return out;
}

bool same_key(std::string_view a, std::string_view b) {
  return normalize_key(a) == normalize_key(b);
}

}  // namespace cinestream
