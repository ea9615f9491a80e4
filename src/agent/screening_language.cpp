#include "cinestream/agent/screening_language.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "cinestream/text/clean_text.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::agent {

namespace {

constexpr std::string_view kOriginal = "original";

struct Known {
  std::string_view name;
  std::vector<std::string_view> spellings;  // codes, and names in en/uk/ru
};

// The languages Ukrainian, European and US cinemas show films in, most common first.
const std::vector<Known> kLanguages{
    {"Ukrainian",
     {"uk", "ukr", "ua", "ukrainian", "українська", "український", "українською", "укр",
      "украинский", "украинская", "на украинском"}},
    {"English",
     {"en", "eng", "english", "англійська", "англійською", "англ", "английский", "английская",
      "на английском"}},
    {"Russian",
     {"ru", "rus", "russian", "російська", "російською", "русский", "русская", "на русском"}},
    {"Polish", {"pl", "pol", "polish", "польська", "польский"}},
    {"German", {"de", "deu", "ger", "german", "німецька", "немецкий"}},
    {"French", {"fr", "fra", "fre", "french", "французька", "французский"}},
    {"Spanish", {"es", "spa", "spanish", "іспанська", "испанский"}},
    {"Italian", {"it", "ita", "italian", "італійська", "итальянский"}},
    {"Japanese", {"ja", "jpn", "japanese", "японська", "японский"}},
    {"Korean", {"ko", "kor", "korean", "корейська", "корейский"}},
    {"Chinese", {"zh", "zho", "chi", "chinese", "китайська", "китайский"}},
    {"Turkish", {"tr", "tur", "turkish", "турецька", "турецкий"}},
    {kOriginal,
     {"original", "original version", "ov", "оригінал", "оригінальна", "мовою оригіналу",
      "оригінальною мовою", "оригинал", "на языке оригинала", "оригинальный"}},
};

// Keys under normalize_key's folding (case, punctuation), built once.
const std::map<std::string, std::string_view>& table() {
  static const auto t = [] {
    std::map<std::string, std::string_view> m;
    for (const auto& k : kLanguages)
      for (auto s : k.spellings)
        m.emplace(normalize_key(s), k.name);
    return m;
  }();
  return t;
}

}  // namespace

std::string language_name(std::string_view code_or_name) {
  auto cleaned = clean_text(code_or_name, 60);
  auto key = normalize_key(cleaned);
  if (key.empty()) return {};
  const auto& t = table();
  if (auto it = t.find(key); it != t.end()) return std::string(it->second);
  // "uk-UA", "en_US": the language subtag.
  if (auto sep = cleaned.find_first_of("-_"); sep == 2 || sep == 3) {
    if (auto it = t.find(normalize_key(cleaned.substr(0, sep))); it != t.end())
      return std::string(it->second);
  }
  return cleaned;
}

std::string screening_language(std::string_view audio, std::string_view subtitles,
                               std::string_view original) {
  auto a = language_name(audio);
  auto s = language_name(subtitles);
  auto o = language_name(original);
  std::string out;
  if (!s.empty() && s != kOriginal) {
    out = a == s ? fmt::format("{} with {} subtitles", a, s)
                 : fmt::format("original with {} subtitles", s);
  } else if (a.empty()) {
    return {};
  } else if (a == kOriginal || a == o) {
    out = kOriginal;
  } else if (!o.empty() && o != kOriginal) {
    out = fmt::format("{} dubbing", a);
  } else {
    out = a;
  }
  return clean_text(out, 60);
}

}  // namespace cinestream::agent
