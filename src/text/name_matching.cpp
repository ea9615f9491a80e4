#include "cinestream/text/name_matching.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "cinestream/text/edit_distance.hpp"
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

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t bound) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > bound) return bound + 1;
  std::vector<std::size_t> row(a.size() + 1);
  for (std::size_t i = 0; i <= a.size(); ++i)
    row[i] = i;
  for (std::size_t j = 1; j <= b.size(); ++j) {
    std::size_t diagonal = row[0];
    row[0] = j;
    std::size_t best = row[0];
    for (std::size_t i = 1; i <= a.size(); ++i) {
      const std::size_t up = row[i];
      row[i] = std::min({row[i] + 1, row[i - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
      best = std::min(best, row[i]);
    }
    if (best > bound) return bound + 1;
  }
  return std::min(row[a.size()], bound + 1);
}

// ---- The resolver --------------------------------------------------------------------------

namespace {

// Latin letters with diacritics to their base letters (lower case), U+00C0..U+017F. The scholarly
// romanisation's č, š, ž become the national digraphs so "Žovten'" meets "Zhovten".
std::string_view fold_latin(char32_t cp) {
  static constexpr std::string_view kLatin1 =  // U+00C0..U+00FF
      "aaaaaaaceeeeiiiidnooooo_ouuuuytsaaaaaaaceeeeiiiidnooooo_ouuuuyty";
  static constexpr std::string_view kExtA =  // U+0100..U+017F
      "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllllllllnnnnnnnnnoooooooorrrrrrs"
      "sssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
  if (cp == 0x010D || cp == 0x010C) return "ch";
  if (cp == 0x0161 || cp == 0x0160) return "sh";
  if (cp == 0x017E || cp == 0x017D) return "zh";
  if (cp == 0x00DF) return "ss";
  if (cp >= 0x00C0 && cp <= 0x00FF) return kLatin1.substr(cp - 0x00C0, 1);
  if (cp >= 0x0100 && cp <= 0x017F) return kExtA.substr(cp - 0x0100, 1);
  return {};
}

}  // namespace

std::string to_latin(std::string_view normalized) {
  std::string out;
  auto cyr = transliterate(normalized);
  std::size_t i = 0;
  while (i < cyr.size()) {
    char32_t cp = next_code_point(cyr, i);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (auto f = fold_latin(cp); !f.empty() && f != "_") {
      out += f;
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

namespace {

bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

}  // namespace

// One token's phonetic skeleton, the same for the national romanisation of its Cyrillic spelling
// and for its common informal Latin spellings: "Оскар"/"Oscar" -> "oskar", "Сінема"/"Cinema" ->
// "sinema", "Кінопалац"/"Kinopalats" -> "kinopalaT", "Гуллівер"/"Gulliver" -> "huliver".
std::string skeleton(std::string_view raw) {
  // English spellings of sounds Cyrillic writes as heard: "Dream Town"/"Дрім Таун", "Starlight"/
  // "Старлайт", "House"/"Хаус", "Boomer"/"Бумер". Romanised Cyrillic rarely has these pairs.
  std::string english;
  for (std::size_t i = 0; i < raw.size();) {
    auto rest = raw.substr(i);
    auto next_is_consonant = [&](std::size_t at) { return at >= raw.size() || !is_vowel(raw[at]); };
    if (rest.starts_with("igh")) {
      english += "ai";
      i += 3;
    } else if (rest.starts_with("ea") || rest.starts_with("ee")) {
      english += "i";
      i += 2;
    } else if (rest.starts_with("oo")) {
      english += "u";
      i += 2;
    } else if (rest.starts_with("ou") || (rest.starts_with("ow") && next_is_consonant(i + 2))) {
      english += "au";
      i += 2;
    } else {
      english.push_back(raw[i++]);
    }
  }
  std::string_view t = english;
  std::string s;
  for (std::size_t i = 0; i < t.size();) {
    auto rest = t.substr(i);
    auto take = [&](std::string_view prefix, std::string_view as) {
      if (!rest.starts_with(prefix)) return false;
      s += as;
      i += prefix.size();
      return true;
    };
    if (take("shch", "S") || take("sch", "S") || take("sh", "S") || take("ch", "C") ||
        take("zh", "Z") || take("kh", "h") || take("ph", "f") || take("th", "t") ||
        take("ck", "k") || take("ts", "T") || take("tz", "T")) {
      continue;
    }
    char c = t[i++];
    char next = i < t.size() ? t[i] : '\0';
    switch (c) {
      case 'c':
        s.push_back(next == 'e' || next == 'i' || next == 'y' ? 's' : 'k');
        break;
      case 'x':
        s += "ks";
        break;
      case 'q':
        s.push_back('k');
        break;
      case 'w':
        s.push_back('v');
        break;
      case 'g':
        s.push_back('h');  // Ukrainian г is h, Russian г is g
        break;
      case 'j':
      case 'y':
        s.push_back('i');
        break;
      default:
        s.push_back(c);
    }
  }
  // Doubled letters once ("Gulliver"/"Гулівер", "Kyiv" -> "kiiv"); a "th" the first pass made
  // from "т" + "х" ("Артхаус") is the "t" of "Arthouse".
  std::string d;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == 'h' && !d.empty() && d.back() == 't') continue;
    if (d.empty() || d.back() != s[i]) d.push_back(s[i]);
  }
  // Soft vowels after a consonant: "Люм'єр" -> "liumier" vs "Lumiere"; "Вікторія" vs "Victoria".
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] == 'i' && !out.empty() && !is_vowel(out.back()) && i + 1 < d.size() &&
        is_vowel(d[i + 1]) && d[i + 1] != 'i') {
      continue;
    }
    out.push_back(d[i]);
  }
  // A closing "-ай" is the English closing "y" after a consonant ("Скай"/"Sky", "Баттерфляй"/
  // "Butterfly"); both sides fold it the same way.
  if (out.size() > 2 && out.ends_with("ai")) out.erase(out.size() - 2, 1);
  return out.empty() ? std::string(t) : out;
}

namespace {

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::vector<std::string> skeleton_tokens(std::string_view name) {
  std::vector<std::string> out;
  for (auto& t : split(to_latin(normalize_key(name))))
    out.push_back(skeleton(t));
  return out;
}

// Words that say what a place is rather than which one, in English, Ukrainian and Russian (and
// their romanisations, which the skeleton makes the same): removed before comparing.
constexpr std::array<std::string_view, 64> kCinemaGeneric{"cinema",
                                                          "cinemas",
                                                          "kino",
                                                          "кіно",
                                                          "кино",
                                                          "kinoteatr",
                                                          "кінотеатр",
                                                          "кинотеатр",
                                                          "кінотеатри",
                                                          "movie",
                                                          "movies",
                                                          "theater",
                                                          "theatre",
                                                          "film",
                                                          "films",
                                                          "фільм",
                                                          "фильм",
                                                          "фільмів",
                                                          "фильмов",
                                                          "centre",
                                                          "center",
                                                          "центр",
                                                          "multiplex",
                                                          "мультиплекс",
                                                          "cineplex",
                                                          "кіноцентр",
                                                          "киноцентр",
                                                          "kinocenter",
                                                          "кінокомплекс",
                                                          "кинокомплекс",
                                                          "complex",
                                                          "комплекс",
                                                          "трц",
                                                          "тц",
                                                          "трк",
                                                          "trc",
                                                          "tc",
                                                          "trk",
                                                          "shopping",
                                                          "imax",
                                                          "аймакс",
                                                          "4dx",
                                                          "screenx",
                                                          "hall",
                                                          "зал",
                                                          "national",
                                                          "національний",
                                                          "национальный",
                                                          "імені",
                                                          "имени",
                                                          "im",
                                                          "named",
                                                          "after",
                                                          "the",
                                                          "in",
                                                          "at",
                                                          "on",
                                                          "of",
                                                          "в",
                                                          "у",
                                                          "на",
                                                          "and",
                                                          "і",
                                                          "и"};
// Decorations answers glue to titles; "Part"/"Частина" goes too, its number stays.
constexpr std::array<std::string_view, 20> kMovieGeneric{
    "imax",  "3d",   "2d",   "4dx",     "screenx", "atmos",   "dolby",  "movie", "the", "фільм",
    "фильм", "film", "part", "частина", "часть",   "chapter", "розділ", "глава", "ov",  "original"};
// Number words and Roman numerals of sequels, as digits.
struct NumberWord {
  std::string_view word;
  std::string_view digit;
};
constexpr std::array<NumberWord, 33> kNumbers{{
    {"one", "1"},    {"first", "1"},  {"перша", "1"},    {"перший", "1"},    {"первая", "1"},
    {"первый", "1"}, {"two", "2"},    {"second", "2"},   {"друга", "2"},     {"другий", "2"},
    {"вторая", "2"}, {"второй", "2"}, {"ii", "2"},       {"three", "3"},     {"third", "3"},
    {"третя", "3"},  {"третій", "3"}, {"третья", "3"},   {"третий", "3"},    {"iii", "3"},
    {"four", "4"},   {"fourth", "4"}, {"четверта", "4"}, {"четвертая", "4"}, {"iv", "4"},
    {"five", "5"},   {"fifth", "5"},  {"пʼята", "5"},    {"пятая", "5"},     {"v", "5"},
    {"vi", "6"},     {"vii", "7"},    {"viii", "8"},
}};

struct Vocabulary {
  std::vector<std::string> cinema, movie;
  std::vector<std::pair<std::string, std::string>> numbers;
  Vocabulary() {
    for (auto w : kCinemaGeneric)
      cinema.push_back(skeleton(to_latin(normalize_key(w))));
    for (auto w : kMovieGeneric)
      movie.push_back(skeleton(to_latin(normalize_key(w))));
    for (auto [w, d] : kNumbers)
      numbers.emplace_back(skeleton(to_latin(normalize_key(w))), d);
  }
};

const Vocabulary& vocabulary() {
  static const Vocabulary v;
  return v;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string joined(std::vector<std::string> tokens, bool sorted) {
  if (sorted) std::sort(tokens.begin(), tokens.end());
  std::string out;
  for (const auto& t : tokens)
    out += t;
  return out;
}

std::size_t levenshtein(std::string_view a, std::string_view b) {
  return edit_distance(a, b, std::max(a.size(), b.size()));
}

double ratio(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1;
  auto longest = std::max(a.size(), b.size());
  return 1.0 - static_cast<double>(levenshtein(a, b)) / static_cast<double>(longest);
}

// Every token of `small` close to a distinct token of `large`: the mean closeness, else 0.
double subset_score(const std::vector<std::string>& small, const std::vector<std::string>& large) {
  if (small.empty() || small.size() >= large.size()) return 0;
  std::vector<bool> used(large.size());
  double sum = 0;
  std::size_t letters = 0;
  for (const auto& s : small) {
    double best = 0;
    std::size_t at = 0;
    for (std::size_t j = 0; j < large.size(); ++j) {
      if (used[j]) continue;
      if (auto r = ratio(s, large[j]); r > best) {
        best = r;
        at = j;
      }
    }
    if (best < 0.8) return 0;
    used[at] = true;
    sum += best;
    letters += s.size();
  }
  // A lone short token ("kiv", "art") says too little to stand for a longer name.
  if (letters < 4) return 0;
  return sum / static_cast<double>(small.size());
}

std::string host_of(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  auto host = url.substr(p + 3);
  host = host.substr(0, host.find_first_of("/:?#"));
  if (host.starts_with("www.")) host.remove_prefix(4);
  std::string out(host);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Words of the query none of `names` has, even roughly or run together ("RiverMall").
std::vector<std::string> unmatched(const std::vector<std::string>& query,
                                   const std::vector<const NameForm*>& names) {
  std::vector<std::string> out;
  for (const auto& q : query) {
    bool found = false;
    for (const auto* n : names) {
      for (const auto& t : n->core)
        found = found || ratio(q, t) >= 0.6;
      found = found || joined(n->core, false).find(q) != std::string::npos;
    }
    if (!found) out.push_back(q);
  }
  return out;
}

bool addresses_agree(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto digits = [](const std::vector<std::string>& v) {
    std::vector<std::string> out;
    for (const auto& t : v) {
      if (std::any_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
        out.push_back(t);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  auto da = digits(a), db = digits(b);
  if (da.empty() || da != db) return false;
  // The street: the longest word of each, compared loosely ("вул. Шевченка" / "Shevchenka St").
  auto longest = [](const std::vector<std::string>& v) {
    std::string best;
    for (const auto& t : v) {
      if (t.size() > best.size()) best = t;
    }
    return best;
  };
  return ratio(longest(a), longest(b)) >= 0.8;
}

}  // namespace

double edit_similarity(std::string_view a, std::string_view b) {
  return ratio(a, b);
}

NameForm name_form(std::string_view name, bool movie, const std::vector<std::string>& places) {
  const auto& vocab = vocabulary();
  NameForm f;
  f.all = skeleton_tokens(name);
  auto tokens = f.all;
  if (movie) {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      for (const auto& [w, d] : vocab.numbers) {
        // Roman numerals only close a title ("Rocky II"); a lone "v" elsewhere is the Ukrainian
        // and Russian "в" (in). Number words count after the first word ("Part Two").
        bool roman = w.find_first_not_of("iv") == std::string::npos;
        if (tokens[i] == w && i > 0 && (!roman || i + 1 == tokens.size())) tokens[i] = d;
      }
    }
  }
  for (const auto& t : tokens) {
    if (!t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
      f.numbers.push_back(t);
  }
  std::sort(f.numbers.begin(), f.numbers.end());
  // The place's own names: "Multiplex Lavina Kyiv" / "Київ Multiplex Lavina".
  bool had_place = false;
  for (const auto& p : places) {
    auto pt = skeleton_tokens(p);
    if (pt.empty() || pt.size() > tokens.size()) continue;
    for (std::size_t i = 0; i + pt.size() <= tokens.size(); ++i) {
      if (std::equal(pt.begin(), pt.end(), tokens.begin() + static_cast<std::ptrdiff_t>(i))) {
        tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                     tokens.begin() + static_cast<std::ptrdiff_t>(i + pt.size()));
        had_place = true;
        break;
      }
    }
  }
  const auto& generic = movie ? vocab.movie : vocab.cinema;
  for (const auto& t : tokens) {
    if (!contains(generic, t)) f.core.push_back(t);
  }
  // Nothing specific left: the cinema is named after its city ("Kyiv" cinema in Kyiv) or only by
  // generic words; those words are then its name.
  if (f.core.empty()) {
    if (had_place) {
      f.core.push_back("@place");
    } else {
      f.core = tokens;
    }
  }
  if (f.core.empty()) f.core = f.all;
  return f;
}

double name_similarity(const NameForm& a, const NameForm& b, bool movie) {
  if (a.core.empty() || b.core.empty()) return 0;
  // "Dune 2" is not "Dune", nor "Signal 3"; a cinema's number only counts when both have one.
  if (a.numbers != b.numbers && (movie || (!a.numbers.empty() && !b.numbers.empty()))) return 0;
  double s = std::max(ratio(joined(a.core, true), joined(b.core, true)),
                      ratio(joined(a.core, false), joined(b.core, false)));
  // Every token, generic ones included and spaces ignored ("multiplexlavina"), counts a little
  // less: generic words shared by two different cinemas must not make them alike.
  s = std::max(s, 0.95 * std::max(ratio(joined(a.all, true), joined(b.all, true)),
                                  ratio(joined(a.all, false), joined(b.all, false))));
  if (!movie) {
    // A cinema named in part ("Planeta Kino King Cross" / "Planeta Kino IMAX King Cross
    // Leopolis"); below a full match so that the full one wins when both exist.
    // An answer shortening a known name is usual; one adding words to it less so ("Артхаус
    // Атмосфера" is not "Multiplex Atmosfera"), so that direction counts less, and never for a
    // known name of one word once its generic words are gone ("Multiplex Lavina" is not
    // "Planeta Kino Lavina").
    s = std::max(s, 0.92 * subset_score(a.core, b.core));
    if (b.core.size() >= 2) s = std::max(s, 0.85 * subset_score(b.core, a.core));
  }
  return s;
}

NameIndex::NameIndex(bool movie, std::vector<std::string> places)
    : movie_(movie), places_(std::move(places)) {}

void NameIndex::add(std::size_t id, std::string_view name, std::string_view address,
                    std::string_view website) {
  auto exact = normalize_key(name);
  if (exact.empty()) return;
  for (const auto& e : entries_) {
    if (e.id == id && e.exact == exact) return;
  }
  entries_.push_back({id, exact, name_form(name, movie_, places_)});
  if (!address.empty() || !website.empty()) {
    evidence_.push_back({id, host_of(website), skeleton_tokens(address)});
  }
}

// The query has words the chosen cinema's names lack, and another plausible candidate has one of
// them: the answer may well mean that one ("Артхаус Атмосфера": "Multiplex Atmosfera" holds all of
// "Atmosfera", "Arthouse Atmosfera" holds "Артхаус" too).
bool NameIndex::contradicted(const NameForm& query, std::size_t best,
                             const std::vector<Score>& scores) const {
  std::vector<const NameForm*> own;
  for (const auto& e : entries_) {
    if (e.id == best) own.push_back(&e.form);
  }
  auto extra = unmatched(query.core, own);
  if (extra.empty()) return false;
  for (const auto& s : scores) {
    if (s.id == best || s.score < kEvidenceThreshold) continue;
    for (const auto& e : entries_) {
      if (e.id != s.id) continue;
      for (const auto& x : extra) {
        for (const auto& t : e.form.core) {
          if (ratio(x, t) >= 0.8) return true;
        }
      }
    }
  }
  return false;
}

Resolution NameIndex::resolve(std::string_view candidate, NameEvidence evidence) const {
  using How = Resolution::How;
  Resolution r;
  auto exact = normalize_key(candidate);
  if (exact.empty()) return r;
  // Exact spellings first: cheap, and certain unless two entities share the spelling.
  std::optional<std::size_t> hit;
  bool several = false;
  for (const auto& e : entries_) {
    if (e.exact != exact) continue;
    if (hit && *hit != e.id) several = true;
    hit = e.id;
  }
  if (hit && !several) return {How::exact, hit, 1.0};
  if (several) return {How::ambiguous, std::nullopt, 1.0};

  auto form = name_form(candidate, movie_, places_);
  std::vector<Score> scores;
  for (const auto& e : entries_) {
    double s = name_similarity(form, e.form, movie_);
    double all = ratio(joined(form.all, true), joined(e.form.all, true));
    auto it =
        std::find_if(scores.begin(), scores.end(), [&](const Score& x) { return x.id == e.id; });
    if (it == scores.end()) {
      scores.push_back({e.id, s, all});
    } else {
      it->score = std::max(it->score, s);
      it->all = std::max(it->all, all);
    }
  }
  std::sort(scores.begin(), scores.end(),
            [](const Score& a, const Score& b) { return a.score > b.score; });
  if (!scores.empty() && scores[0].score >= kSameNameThreshold) {
    const auto& best = scores[0];
    bool clear = scores.size() < 2 || scores[1].score < best.score - kAmbiguityMargin ||
                 // Close on what is specific: the generic words decide ("Multiplex Lavina" vs
                 // "Planeta Kino Lavina" asked as "Multiplex Lavina").
                 best.all >= scores[1].all + kAmbiguityMargin;
    if (clear && !movie_ && contradicted(form, best.id, scores)) clear = false;
    if (clear) return {How::similar, best.id, best.score};
    r = {How::ambiguous, std::nullopt, best.score};
  }

  // Strong evidence: a website only one known cinema has, or the same street address.
  if (!evidence.website.empty()) {
    auto host = host_of(evidence.website);
    std::optional<std::size_t> owner;
    int owners = 0;
    for (const auto& p : evidence_) {
      if (!host.empty() && p.host == host && (!owner || *owner != p.id)) {
        owner = p.id;
        ++owners;
      }
    }
    if (owners == 1) return {How::evidence, owner, 1.0};
  }
  if (!evidence.address.empty()) {
    auto address = skeleton_tokens(evidence.address);
    std::optional<std::size_t> owner;
    int owners = 0;
    for (const auto& p : evidence_) {
      if (!addresses_agree(address, p.address) || (owner && *owner == p.id)) continue;
      auto s =
          std::find_if(scores.begin(), scores.end(), [&](const Score& x) { return x.id == p.id; });
      if (s == scores.end() || s->score < kEvidenceThreshold) continue;
      owner = p.id;
      ++owners;
    }
    if (owners == 1) return {How::evidence, owner, 1.0};
  }
  if (r.how == How::none && !scores.empty()) r.score = scores[0].score;
  return r;
}

}  // namespace cinestream::text
