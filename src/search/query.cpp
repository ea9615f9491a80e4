#include "cinestream/search/query.hpp"

#include <fmt/format.h>

#include "cinestream/search/search_text.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::search {

std::optional<std::string> validate_query(std::string_view q) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!q.empty() && is_space(q.front()))
    q.remove_prefix(1);
  while (!q.empty() && is_space(q.back()))
    q.remove_suffix(1);
  if (q.empty()) return "the query is empty";
  std::size_t chars = 0;
  for (std::size_t i = 0; i < q.size();) {
    const auto before = i;
    const char32_t cp = next_code_point(q, i);
    // next_code_point decodes a bad byte as U+FFFD and advances one byte; a real U+FFFD is 3.
    if (cp == 0xFFFD && i - before != 3) return "the query is not valid UTF-8";
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      return "the query contains control characters";
    }
    if (++chars > kMaxQueryChars) {
      return fmt::format("the query is longer than {} characters", kMaxQueryChars);
    }
  }
  if (fold_words(q).empty()) return "the query has no letters or digits";
  return std::nullopt;
}

}  // namespace cinestream::search
