#include "cinestream/text/name_matching.hpp"

#include <algorithm>
#include <array>

#include "cinestream/text/normalize.hpp"

namespace cinestream::text {
namespace {

struct Translit {
  std::string_view cyr;
  std::string_view lat;
};

// Simplified national romanisation; both languages map to one Latin key.
constexpr std::array<Translit, 38> kTable{{
    {"а", "a"},  {"б", "b"},    {"в", "v"}, {"г", "h"},  {"ґ", "g"},  {"д", "d"},  {"е", "e"},
    {"є", "ie"}, {"ж", "zh"},   {"з", "z"}, {"и", "y"},  {"і", "i"},  {"ї", "i"},  {"й", "i"},
    {"к", "k"},  {"л", "l"},    {"м", "m"}, {"н", "n"},  {"о", "o"},  {"п", "p"},  {"р", "r"},
    {"с", "s"},  {"т", "t"},    {"у", "u"}, {"ф", "f"},  {"х", "kh"}, {"ц", "ts"}, {"ч", "ch"},
    {"ш", "sh"}, {"щ", "shch"}, {"ь", ""},  {"ю", "iu"}, {"я", "ia"}, {"ы", "y"},  {"э", "e"},
    {"ъ", ""},   {"ё", "e"},    {"'", ""},
}};

// Format words that answers glue to titles ("Dune (IMAX)", "Dune 3D").
constexpr std::array<std::string_view, 7> kDecorations{"imax",    "3d",    "2d",       "4dx",
                                                       "screenx", "atmos", "the movie"};
constexpr std::array<std::string_view, 6> kCinemaWords{"kino", "cinema",    "kinoteatr",
                                                       "кіно", "кинотеатр", "кінотеатр"};

std::string strip_words(std::string key, bool movie) {
  bool changed = true;
  while (changed) {
    changed = false;
    if (movie) {
      for (auto d : kDecorations) {
        if (key.size() > d.size() + 1 && key.ends_with(d) &&
            key[key.size() - d.size() - 1] == ' ') {
          key.resize(key.size() - d.size() - 1);
          changed = true;
        }
      }
    } else {
      // Compared in place: no temporary strings (GCC 12 at -O3 misreports their concatenation).
      for (auto w : kCinemaWords) {
        if (key.size() > w.size() + 1 && key.starts_with(w) && key[w.size()] == ' ') {
          key.erase(0, w.size() + 1);
          changed = true;
        }
        if (key.size() > w.size() + 1 && key.ends_with(w) &&
            key[key.size() - w.size() - 1] == ' ') {
          key.resize(key.size() - w.size() - 1);
          changed = true;
        }
      }
    }
  }
  return key;
}

std::vector<std::string> keys_for(std::string_view text, bool movie) {
  std::vector<std::string> out;
  auto key = strip_words(normalize_key(text), movie);
  if (key.empty()) return out;
  out.push_back(key);
  auto latin = transliterate(key);
  if (latin != key) out.push_back(latin);
  // Without spaces: "multiplex lavina" == "multiplexlavina" == "Multiplex-Lavina".
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    std::string joined;
    for (char c : out[i]) {
      if (c != ' ') joined.push_back(c);
    }
    if (joined != out[i]) out.push_back(joined);
  }
  return out;
}

}  // namespace

std::string transliterate(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    bool hit = false;
    for (const auto& t : kTable) {
      if (s.substr(i).starts_with(t.cyr)) {
        out += t.lat;
        i += t.cyr.size();
        hit = true;
        break;
      }
    }
    if (!hit) out.push_back(s[i++]);
  }
  return out;
}

std::vector<std::string> movie_keys(std::string_view title) {
  return keys_for(title, true);
}
std::vector<std::string> cinema_keys(std::string_view name) {
  return keys_for(name, false);
}

void NameIndex::add(std::size_t id, std::string_view name) {
  for (auto& k : movie_ ? movie_keys(name) : cinema_keys(name))
    keys_.emplace_back(std::move(k), id);
}

std::optional<std::size_t> NameIndex::find(std::string_view candidate) const {
  auto wanted = movie_ ? movie_keys(candidate) : cinema_keys(candidate);
  for (const auto& w : wanted) {
    for (const auto& [k, id] : keys_) {
      if (k == w) return id;
    }
  }
  return std::nullopt;
}

}  // namespace cinestream::text
