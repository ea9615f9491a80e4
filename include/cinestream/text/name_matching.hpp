#pragma once
// Recognising the same cinema or movie written differently by different answers: case,
// punctuation, "IMAX"/"3D" decorations, "Kino ..." prefixes, Cyrillic vs Latin spellings.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::text {

// Latin transliteration of Ukrainian/Russian letters (after normalize_key), for cross-script keys.
std::string transliterate(std::string_view normalized);

// Keys a title or a cinema name is known by (normalised, decorations removed, transliterated).
std::vector<std::string> movie_keys(std::string_view title);
std::vector<std::string> cinema_keys(std::string_view name);

// Finds which of the known names `candidate` refers to; nullopt when none.
class NameIndex {
 public:
  // `movie`: use movie keys, else cinema keys.
  explicit NameIndex(bool movie) : movie_(movie) {}
  void add(std::size_t id, std::string_view name);
  std::optional<std::size_t> find(std::string_view candidate) const;

 private:
  bool movie_;
  std::vector<std::pair<std::string, std::size_t>> keys_;
};

}  // namespace cinestream::text
