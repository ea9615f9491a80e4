#include "cinestream/search/search_text.hpp"

#include "cinestream/text/name_matching.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::search {

std::vector<std::string> fold_words(std::string_view text) {
  std::vector<std::string> out;
  const auto latin = text::to_latin(normalize_key(text));
  std::string_view rest = latin;
  while (!rest.empty()) {
    auto end = rest.find(' ');
    auto word = rest.substr(0, end);
    if (!word.empty()) out.push_back(text::skeleton(word));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return out;
}

std::string fold(std::string_view text) {
  std::string out;
  for (const auto& w : fold_words(text)) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

}  // namespace cinestream::search
