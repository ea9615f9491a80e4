#include "cinestream/domain/language.hpp"

#include <algorithm>
#include <cctype>

namespace cinestream {

std::optional<Lang> parse_lang(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "en") return Lang::en;
  if (lower == "ua" || lower == "uk") return Lang::ua;
  if (lower == "ru") return Lang::ru;
  return std::nullopt;
}

std::string_view to_string(Lang lang) {
  switch (lang) {
    case Lang::ua:
      return "ua";
    case Lang::ru:
      return "ru";
    case Lang::en:
      break;
  }
  return "en";
}

const std::string& LocalizedText::in(Lang lang) const {
  const std::string& wanted = lang == Lang::ua ? ua : lang == Lang::ru ? ru : en;
  if (!wanted.empty()) return wanted;
  if (!en.empty()) return en;
  return !ua.empty() ? ua : ru;
}

}  // namespace cinestream
