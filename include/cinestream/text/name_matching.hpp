#pragma once
// Recognising the same cinema or movie written differently by different answers: case,
// punctuation, diacritics, "IMAX"/"3D" decorations, generic words ("Kino", "кінотеатр",
// "Multiplex", "Film Centre") and the city's own name, Cyrillic vs Latin spellings (national and
// informal: "Оскар"/"Oscar", "Сінема"/"Cinema", "Центр"/"Centre"), then token-set and
// edit-distance similarity. Two known names equally close are never guessed between.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::text {

// Latin transliteration of Ukrainian/Russian letters (after normalize_key), for cross-script keys.
std::string transliterate(std::string_view normalized);

// A normalised name (normalize_key) in Latin letters: Cyrillic romanised, diacritics folded.
std::string to_latin(std::string_view normalized);

// One Latin token's (to_latin) phonetic skeleton, the same for the national romanisation of its
// Cyrillic spelling and its common informal Latin spellings ("Оскар"/"Oscar" -> "oskar",
// "kh"/"h", "y"/"i"/"j", "ts"/"tz", "shch"/"sch", doubled letters once). ASCII; a few sounds are
// upper-case markers ("S" for sh, "C" for ch, "Z" for zh, "T" for ts).
std::string skeleton(std::string_view latin_token);

// Exact keys a title or a cinema name is known by (normalised, decorations removed,
// transliterated): the cheap identity used where no similarity is wanted (the stand-in).
std::vector<std::string> movie_keys(std::string_view title);
std::vector<std::string> cinema_keys(std::string_view name);

// The comparable form of one name: tokens folded to a script-free phonetic skeleton, with the
// generic words and the place's names taken out ("Кінотеатр «Оскар» Київ" -> {"oskar"}).
struct NameForm {
  std::vector<std::string> core;     // what is compared
  std::vector<std::string> all;      // every token, generic ones included (tie-breaks)
  std::vector<std::string> numbers;  // "2" in "Dune 2" / "Part Two": must agree
};
NameForm name_form(std::string_view name, bool movie, const std::vector<std::string>& places = {});

// 1 - Levenshtein distance / the longer length, over bytes (name forms' tokens are ASCII).
double edit_similarity(std::string_view a, std::string_view b);

// Similarity of two names, 0..1 (1: the same after folding).
double name_similarity(const NameForm& a, const NameForm& b, bool movie);

// A name at or above this similarity is the same entity. Chosen from data: the table of real
// pairs and non-pairs in tests/unit/name_resolver_test.cpp (NameResolver.*). Over that table the
// lowest score of a true pair is 0.80 and the highest score of a non-pair 0.70 (see the test
// that prints both); the threshold sits between them, nearer the pairs, since a wrong match
// stores a showtime under the wrong cinema while a miss is asked about again.
inline constexpr double kSameNameThreshold = 0.78;
// The best candidate must beat the second by this much, else the name is ambiguous.
inline constexpr double kAmbiguityMargin = 0.1;
// With an agreeing address or website (strong evidence) a weaker name suffices.
inline constexpr double kEvidenceThreshold = 0.5;

struct Resolution {
  enum class How { exact, similar, evidence, ambiguous, none };
  How how = How::none;
  std::optional<std::size_t> id;
  double score = 0;
};

struct NameEvidence {
  std::string_view address;
  std::string_view website;
};

// Finds which of the known names `candidate` refers to; nullopt when none or ambiguous.
class NameIndex {
 public:
  // `movie`: movie rules (decorations, numbers, no partial names), else cinema rules. `places`:
  // the city's names in every language, removed from names before comparing.
  explicit NameIndex(bool movie, std::vector<std::string> places = {});
  // One id may be added under several names (titles in three languages, learned aliases).
  void add(std::size_t id, std::string_view name, std::string_view address = {},
           std::string_view website = {});
  std::optional<std::size_t> find(std::string_view candidate) const {
    return resolve(candidate).id;
  }
  Resolution resolve(std::string_view candidate, NameEvidence evidence = {}) const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::size_t id;
    std::string exact;  // normalised spelling
    NameForm form;
  };
  struct Score {  // per entity: its best score over its names, and over every token
    std::size_t id;
    double score;
    double all;
  };
  bool contradicted(const NameForm& query, std::size_t best,
                    const std::vector<Score>& scores) const;
  struct Place {
    std::size_t id;
    std::string host;                  // website host without "www."
    std::vector<std::string> address;  // address skeleton tokens
  };
  bool movie_;
  std::vector<std::string> places_;
  std::vector<Entry> entries_;
  std::vector<Place> evidence_;
};

}  // namespace cinestream::text
