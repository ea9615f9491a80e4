#pragma once
// Matching keys shared by every backend, so they merge the same input the same way.
#include <cctype>
#include <string>
#include <string_view>

#include "cinestream/domain/movie.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::store_keys {

inline std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Formats are compared upper-case ("3d" == "3D"); other fields trimmed.
inline std::string canonical_format(std::string_view s) {
  std::string f = trim(s);
  for (auto& c : f)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return f;
}

// A movie is matched by the normalised key of its first non-empty title.
inline std::string movie_key(const MovieTitles& t) {
  for (const std::string* s : {&t.en, &t.local, &t.ua, &t.ru}) {
    std::string k = normalize_key(*s);
    if (!k.empty()) return k;
  }
  return {};
}

}  // namespace cinestream::store_keys
