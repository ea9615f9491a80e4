// Catalogue search on arbitrary queries: validate_query, search in every mode (with and without
// films to put first) and suggest, over a tiny index in three scripts. Invariants: nothing throws;
// a query validate_query refuses finds nothing; an accepted one is at most 200 characters without
// control characters; hits are films of the index, each once, at most the limit, with finite
// scores, best first (after the films put first, which come before every other hit).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cinestream/search/search_index.hpp"
#include "cinestream/search/search_text.hpp"
#include "fuzz_check.hpp"

namespace {
using cinestream::search::Document;
using cinestream::search::OfflineEmbedder;
using cinestream::search::SearchIndex;

const OfflineEmbedder& embedder() {
  static const OfflineEmbedder e;
  return e;
}

const SearchIndex& index() {
  static const auto built = SearchIndex::build(
      {
          {1,
           {"Тіні забутих предків", "Shadows of Forgotten Ancestors", "Тени забытых предков"},
           {"drama"},
           {"A Hutsul love story in the Carpathians."},
           1965},
          {2,
           {"Інтерстеллар", "Interstellar"},
           {"science fiction"},
           {"Astronauts travel through a wormhole.", "Астронавти летять крізь червоточину."},
           2014},
          {3, {"Дюна", "Dune"}, {}, {}, 2021},
          {4, {"Дюнкерк", "Dunkirk"}, {"war"}, {"Evacuation from the beaches."}, 0},
          {5, {}, {}, {}, 0},  // a film with nothing to find it by
      },
      embedder());
  return *built;
}

void check_hits(const std::vector<SearchIndex::Hit>& hits, std::size_t limit,
                const std::vector<std::int64_t>& first, bool ordered) {
  FUZZ_CHECK(hits.size() <= limit);
  std::set<std::int64_t> seen;
  bool past_first = false;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    FUZZ_CHECK(hits[i].film >= 1 && hits[i].film <= 5);
    FUZZ_CHECK(seen.insert(hits[i].film).second);
    FUZZ_CHECK(std::isfinite(hits[i].score));
    const bool is_first = std::find(first.begin(), first.end(), hits[i].film) != first.end();
    if (!is_first) past_first = true;
    FUZZ_CHECK(!(past_first && is_first));  // the films put first precede all others
    if (ordered && i > 0) {
      const bool prev_first =
          std::find(first.begin(), first.end(), hits[i - 1].film) != first.end();
      if (prev_first == is_first) FUZZ_CHECK(hits[i - 1].score >= hits[i].score);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto mode = static_cast<SearchIndex::Mode>(in.ConsumeIntegralInRange<int>(0, 2));
  const auto limit = in.ConsumeIntegralInRange<std::size_t>(0, 6);
  const auto boosted = in.ConsumeIntegralInRange<std::int64_t>(0, 6);
  const std::string query = in.ConsumeRemainingBytesAsString();

  const auto error = cinestream::search::validate_query(query);
  const auto words = cinestream::search::fold_words(query);
  for (const auto& w : words)
    FUZZ_CHECK(!w.empty() && w.find(' ') == std::string::npos);
  if (!error) {
    FUZZ_CHECK(!words.empty());
    // Whitespace only around it (trimmed), no other control character.
    const auto body_start = query.find_first_not_of(" \t\r\n");
    const auto body_end = query.find_last_not_of(" \t\r\n");
    FUZZ_CHECK(body_start != std::string::npos);
    std::size_t chars = 0;
    for (auto i = body_start; i <= body_end; ++i) {
      const auto c = static_cast<unsigned char>(query[i]);
      FUZZ_CHECK(c >= 0x20 && c != 0x7f);
      if ((c & 0xC0) != 0x80) ++chars;  // UTF-8 lead bytes: one per character
    }
    FUZZ_CHECK(chars <= cinestream::search::kMaxQueryChars);
  } else {
    FUZZ_CHECK(!error->empty());
  }

  const auto& idx = index();
  const std::vector<std::int64_t> none;
  const std::vector<std::int64_t> first = {boosted};
  auto plain = idx.search(query, limit, mode);
  check_hits(plain, limit, none, true);
  auto with_first = idx.search(query, limit, mode, first);
  check_hits(with_first, limit, first, true);
  // The same hits with and without the films put first, when all of them fit.
  if (plain.size() < limit) {
    FUZZ_CHECK(plain.size() == with_first.size());
  }
  auto suggestions = idx.suggest(query, limit);
  check_hits(suggestions, limit, none, true);
  if (error) {
    FUZZ_CHECK(plain.empty() && with_first.empty() && suggestions.empty());
  }
  return 0;
}
