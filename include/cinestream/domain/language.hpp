#pragma once
// The site's three languages and text carried in each of them.
#include <optional>
#include <string>
#include <string_view>

namespace cinestream {

enum class Lang { en, ua, ru };

// Accepts "en", "ua", "ru" and the ISO 639-1 "uk" for Ukrainian, case-insensitively.
std::optional<Lang> parse_lang(std::string_view s);
std::string_view to_string(Lang lang);

struct LocalizedText {
  std::string en;
  std::string ua;
  std::string ru;

  // The text in `lang`, falling back to English and then to any non-empty variant.
  const std::string& in(Lang lang) const;
  bool empty() const { return en.empty() && ua.empty() && ru.empty(); }
};

}  // namespace cinestream
