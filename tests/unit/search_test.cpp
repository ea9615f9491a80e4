// Catalogue search (search/): folding across scripts and spellings, typo tolerance, prefix
// suggestions, exact vector top-k and reciprocal rank fusion checked by hand, films playing in
// the visitor's city first, and clear errors for queries that cannot be searched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cinestream/search/embedder.hpp"
#include "cinestream/search/fusion.hpp"
#include "cinestream/search/lexical_index.hpp"
#include "cinestream/search/query.hpp"
#include "cinestream/search/search_index.hpp"
#include "cinestream/search/search_text.hpp"
#include "cinestream/search/vector_index.hpp"
#include "cinestream/text/edit_distance.hpp"

namespace cinestream::search {
namespace {

using Mode = SearchIndex::Mode;

Document doc(std::int64_t film, std::vector<std::string> titles, std::string overview,
             std::vector<std::string> genres = {}) {
  return {film, std::move(titles), std::move(genres), {std::move(overview)}, 2000};
}

const std::vector<Document>& catalogue() {
  static const std::vector<Document> docs = {
      doc(1, {"Тіні забутих предків", "Shadows of Forgotten Ancestors", "Тени забытых предков"},
          "In a Hutsul village in the Carpathians, Ivan loves Marichka.", {"drama"}),
      doc(2, {"Інтерстеллар", "Interstellar", "Интерстеллар"},
          "Astronauts travel through a wormhole near Saturn to find a new home for humanity.",
          {"science fiction"}),
      doc(3, {"Дюна", "Dune", "Дюна"},
          "Paul Atreides travels to the desert planet Arrakis, the source of the spice.",
          {"science fiction"}),
      doc(4, {"Дюна: Частина друга", "Dune: Part Two", "Дюна: Часть вторая"},
          "Paul unites with the Fremen to take revenge on those who destroyed his family.",
          {"science fiction"}),
      doc(5, {"Оппенгеймер", "Oppenheimer", "Оппенгеймер"},
          "The story of the physicist who led the project that built the atomic bomb.",
          {"history"}),
      doc(6, {"Щедрик", "Carol of the Bells", "Щедрык"},
          "A singer cares for girls whose parents were taken during the occupation.", {"war"}),
      doc(7, {"Крижане серце", "Frozen", "Холодное сердце"},
          "Princess Anna sets off to find her sister Elsa in an eternal winter.", {"animation"}),
      doc(8, {"Дюнкерк", "Dunkirk", "Дюнкерк"},
          "Soldiers are evacuated from the beaches of Dunkirk by civilian boats.", {"war"}),
  };
  return docs;
}

const SearchIndex& index() {
  static const OfflineEmbedder embedder;
  static const auto built = SearchIndex::build(catalogue(), embedder);
  return *built;
}

std::vector<std::int64_t> films(const std::vector<SearchIndex::Hit>& hits) {
  std::vector<std::int64_t> out;
  for (const auto& h : hits)
    out.push_back(h.film);
  return out;
}

std::int64_t top(std::string_view query, Mode mode = Mode::fused) {
  auto hits = index().search(query, 5, mode);
  return hits.empty() ? -1 : hits.front().film;
}

// ---- Folding ---------------------------------------------------------------------------------

TEST(SearchText, FoldsCaseDiacriticsAndPunctuation) {
  EXPECT_EQ(fold("  DUNE: Part   Two!! "), fold("dune part two"));
  EXPECT_EQ(fold("Amélie"), fold("amelie"));
  EXPECT_EQ(fold("Léon"), fold("leon"));
  EXPECT_EQ(fold("Ґодзілла"), fold("Godzilla"));
  EXPECT_TRUE(fold("!!! ...").empty());
  EXPECT_EQ(fold_words("Dune: Part Two").size(), 3U);
}

TEST(SearchText, CyrillicMeetsItsCommonLatinSpellings) {
  // Ukrainian national romanisation and the informal spellings people type.
  EXPECT_EQ(fold("Тіні забутих предків"), fold("tini zabutykh predkiv"));
  EXPECT_EQ(fold("Тіні забутих предків"), fold("tini zabutyh predkiv"));
  EXPECT_EQ(fold("Дюна"), fold("dyuna"));
  EXPECT_EQ(fold("Дюна"), fold("diuna"));
  EXPECT_EQ(fold("Дюна"), fold("djuna"));
  EXPECT_EQ(fold("Щедрик"), fold("shchedryk"));
  EXPECT_EQ(fold("Щедрик"), fold("schedrik"));
  EXPECT_EQ(fold("Захар Беркут"), fold("zakhar berkut"));
  EXPECT_EQ(fold("Захар Беркут"), fold("zahar berkut"));
  EXPECT_EQ(fold("Земля"), fold("zemlya"));
  EXPECT_EQ(fold("Земля"), fold("zemlia"));
  EXPECT_EQ(fold("Земля"), fold("zemlja"));
  EXPECT_EQ(fold("Євген"), fold("yevhen"));
  EXPECT_EQ(fold("Плем'я"), fold("Племʼя"));  // apostrophe variants dropped
  EXPECT_EQ(fold("Плем'я"), fold("plemya"));
  EXPECT_EQ(fold("Жовтень"), fold("zhovten"));
  // Russian and Ukrainian spellings of one title fold together where they sound alike.
  EXPECT_EQ(fold("Оппенгеймер"), fold("Oppenheimer"));
  EXPECT_EQ(fold("Інтерстеллар"), fold("Интерстеллар"));
  EXPECT_EQ(fold("Інтерстеллар"), fold("Interstellar"));
  EXPECT_NE(fold("Дюна"), fold("Дюнкерк"));
}

// ---- Lexical: typos, scripts, prefixes --------------------------------------------------------

TEST(SearchIndex, FindsTitlesInAnyScriptAndTransliteration) {
  EXPECT_EQ(top("Тіні забутих предків", Mode::lexical), 1);
  EXPECT_EQ(top("Shadows of Forgotten Ancestors", Mode::lexical), 1);
  EXPECT_EQ(top("Тени забытых предков", Mode::lexical), 1);
  EXPECT_EQ(top("tini zabutykh", Mode::lexical), 1);
  EXPECT_EQ(top("Інтерстеллар", Mode::lexical), 2);
  EXPECT_EQ(top("shchedryk", Mode::lexical), 6);
  EXPECT_EQ(top("kholodnoe serdtse", Mode::lexical), 7);
  // The whole title is the better match: "Дюна" is Dune before Dune: Part Two.
  auto dune = films(index().search("Дюна", 5, Mode::lexical));
  ASSERT_GE(dune.size(), 2U);
  EXPECT_EQ(dune[0], 3);
  EXPECT_EQ(dune[1], 4);
}

TEST(SearchIndex, ToleratesTypos) {
  EXPECT_EQ(top("interstellr", Mode::lexical), 2);
  EXPECT_EQ(top("intrestellar", Mode::lexical), 2);  // two edits: a long word
  EXPECT_EQ(top("опенгеймер", Mode::lexical), 5);
  EXPECT_EQ(top("oppenhaimer", Mode::lexical), 5);
  // A short word must be spelled right: "dine" is not "dune" (under four letters' rule it
  // would be one edit away).
  EXPECT_TRUE(index().search("dne", 5, Mode::lexical).empty());
}

TEST(LexicalIndex, BoundedEditDistance) {
  EXPECT_EQ(text::edit_distance("kitten", "sitting", 5), 3U);
  EXPECT_EQ(text::edit_distance("kitten", "sitting", 1), 2U);  // over the bound: bound + 1
  EXPECT_EQ(text::edit_distance("", "abc", 5), 3U);
  EXPECT_EQ(text::edit_distance("dune", "dune", 0), 0U);
  EXPECT_EQ(text::edit_distance("a", "abcdef", 2), 3U);  // lengths alone exceed it
}

TEST(LexicalIndex, TypoToleranceStartsAtFourLetters) {
  std::vector<LexicalIndex::Fields> docs = {{{"Dune"}, {}, {}}, {{"Tenet"}, {}, {}}};
  LexicalIndex lexical(docs);
  EXPECT_EQ(lexical.search("dune", 5).size(), 1U);
  EXPECT_EQ(lexical.search("dume", 5).size(), 1U);  // 4 letters, one edit
  EXPECT_TRUE(lexical.search("dme", 5).empty());    // 3 letters: exact or prefix only
  EXPECT_TRUE(lexical.search("dxmx", 5).empty());   // two edits in a short word
  EXPECT_EQ(lexical.search("tenett", 5).size(), 1U);
}

TEST(SearchIndex, PlotDescriptionsFindTheFilm) {
  EXPECT_EQ(top("astronauts travel through a wormhole to save humanity"), 2);
  EXPECT_EQ(top("astronauts travel through a wormhole to save humanity", Mode::vector), 2);
  EXPECT_EQ(top("evacuation from the beaches by boats"), 8);
}

TEST(SearchIndex, SuggestsTitlesAsTyped) {
  EXPECT_EQ(films(index().suggest("інтерст", 5)), std::vector<std::int64_t>{2});
  EXPECT_EQ(films(index().suggest("inter", 5)), std::vector<std::int64_t>{2});
  auto du = films(index().suggest("Дюн", 5));
  std::sort(du.begin(), du.end());
  EXPECT_EQ(du, (std::vector<std::int64_t>{3, 4, 8}));
  // Every word but the last must match: "dune par" is Part Two only.
  EXPECT_EQ(films(index().suggest("dune par", 5)), std::vector<std::int64_t>{4});
  // Overviews are not suggested from.
  EXPECT_TRUE(index().suggest("wormh", 5).empty());
  EXPECT_TRUE(index().suggest("", 5).empty());
  EXPECT_EQ(index().suggest("Дюн", 1).size(), 1U);
}

TEST(SearchIndex, PutsFilmsPlayingInTheCityFirstInTheirOwnOrder) {
  // "Дюн" as typed: Dune, Dune: Part Two and Dunkirk.
  const auto all = films(index().search("Дюн", 10, Mode::lexical));
  ASSERT_EQ(all.size(), 3U);
  // The second and third playing, listed in reverse: they come first, in their order of
  // relevance (not the list's), then the first.
  const std::vector<std::int64_t> playing = {all[2], all[1]};
  const auto boosted = films(index().search("Дюн", 10, Mode::lexical, playing));
  EXPECT_EQ(boosted, (std::vector<std::int64_t>{all[1], all[2], all[0]}));
  // A playing film that does not match is not added.
  const std::vector<std::int64_t> unrelated = {7};
  EXPECT_EQ(films(index().search("Дюн", 10, Mode::lexical, unrelated)), all);
  // The partition happens before the limit: a playing film ranked last still comes first.
  const std::vector<std::int64_t> last = {all.back()};
  EXPECT_EQ(index().search("Дюн", 1, Mode::lexical, last).front().film, all.back());
  EXPECT_EQ(index().search("Дюн", 1, Mode::fused, last).front().film, all.back());
}

TEST(SearchIndex, FusedModeFindsWhatEitherFinds) {
  EXPECT_EQ(top("Interstellar"), 2);
  EXPECT_EQ(top("dyuna"), 3);
  EXPECT_EQ(top("Холодное сердце"), 7);
  EXPECT_TRUE(index().search("qqqq zzzz", 5).empty());
}

// ---- Vector index and fusion, by hand
// ------------------------------------------------------------

TEST(VectorIndex, ExactTopKByCosine) {
  VectorIndex v(2);
  const float s = std::sqrt(0.5F);
  v.add(std::vector<float>{1, 0});   // row 0
  v.add(std::vector<float>{0, 1});   // row 1
  v.add(std::vector<float>{s, s});   // row 2
  v.add(std::vector<float>{-1, 0});  // row 3
  const std::vector<float> q{1, 0};
  auto hits = v.top_k(q, 3);
  ASSERT_EQ(hits.size(), 3U);
  EXPECT_EQ(hits[0].row, 0U);
  EXPECT_FLOAT_EQ(hits[0].score, 1.0F);
  EXPECT_EQ(hits[1].row, 2U);
  EXPECT_NEAR(hits[1].score, s, 1e-6);
  EXPECT_EQ(hits[2].row, 1U);  // cosine 0 beats -1
  EXPECT_FLOAT_EQ(hits[2].score, 0.0F);
  EXPECT_EQ(v.top_k(q, 10, 0.5F).size(), 2U);
  EXPECT_TRUE(v.top_k(std::vector<float>{1, 0, 0}, 3).empty());  // wrong size
  EXPECT_THROW(v.add(std::vector<float>{1}), std::invalid_argument);
}

TEST(VectorIndex, QuantisedScoresStayCloseToTheFloatCosine) {
  // The embedder's real vectors (384 dimensions: the 16-wide blocks), scored through the 8-bit
  // rows against the float dot product.
  OfflineEmbedder e(384);
  const std::vector<std::string> texts = {"astronauts travel through a wormhole",
                                          "a princess finds her sister in winter",
                                          "Тіні забутих предків", "dune"};
  auto v = e.embed(texts);
  VectorIndex index(384);
  for (const auto& row : v)
    index.add(row);
  for (const auto& q : v) {
    std::vector<float> scores(v.size());
    index.score_all(q, scores);
    for (std::size_t r = 0; r < v.size(); ++r)
      EXPECT_NEAR(scores[r], dot(q, v[r]), 0.01);
  }
  // 37 dimensions: a block and the scalar tail.
  VectorIndex odd(37);
  std::vector<float> a(37);
  for (int i = 0; i < 37; ++i)
    a[i] = static_cast<float>((i * 7) % 11) - 5.0F;
  const float norm = std::sqrt(dot(a, a));
  for (auto& x : a)
    x /= norm;
  odd.add(a);
  std::vector<float> score(1);
  odd.score_all(a, score);
  EXPECT_NEAR(score[0], 1.0F, 0.01);
}

TEST(VectorIndex, DotProductOverLongVectors) {
  // 37 dimensions: the four-lane blocks and the scalar tail.
  std::vector<float> a(37), b(37);
  double expected = 0;
  for (int i = 0; i < 37; ++i) {
    a[i] = static_cast<float>(i) * 0.5F;
    b[i] = static_cast<float>(37 - i);
    expected += static_cast<double>(a[i]) * b[i];
  }
  EXPECT_NEAR(dot(a, b), expected, 1e-3);
}

TEST(Fusion, ReciprocalRankFusionByHand) {
  // A: ranks 1 and 2 -> 1/61 + 1/62; B: ranks 2 and 1 -> the same; C: rank 3 in the first only.
  const std::vector<std::vector<std::int64_t>> lists = {{10, 20, 30}, {20, 10}};
  auto fused = reciprocal_rank_fusion(lists);
  ASSERT_EQ(fused.size(), 3U);
  EXPECT_NEAR(fused[0].score, 1.0 / 61 + 1.0 / 62, 1e-12);
  EXPECT_NEAR(fused[1].score, 1.0 / 61 + 1.0 / 62, 1e-12);
  // Equal sums: both have best rank 1, so the lower id first.
  EXPECT_EQ(fused[0].id, 10);
  EXPECT_EQ(fused[1].id, 20);
  EXPECT_EQ(fused[2].id, 30);
  EXPECT_NEAR(fused[2].score, 1.0 / 63, 1e-12);
  // In both lists beats first in one: 2nd + 2nd > 1st alone.
  auto both = reciprocal_rank_fusion(std::vector<std::vector<std::int64_t>>{{1, 2}, {3, 2}});
  EXPECT_EQ(both[0].id, 2);
  EXPECT_NEAR(both[0].score, 2.0 / 62, 1e-12);
  EXPECT_NEAR(reciprocal_rank_fusion(lists, 1.0)[0].score, 1.0 / 2 + 1.0 / 3, 1e-12);
}

TEST(OfflineEmbedder, UnitVectorsDeterministicAndCloserForSharedWords) {
  OfflineEmbedder e(384);
  const std::vector<std::string> texts = {"astronauts travel through a wormhole",
                                          "astronaut travels through wormholes",
                                          "a princess finds her sister in winter", ""};
  auto v = e.embed(texts);
  ASSERT_EQ(v.size(), 4U);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(v[i].size(), 384U);
    EXPECT_NEAR(dot(v[i], v[i]), 1.0, 1e-5);
  }
  EXPECT_EQ(v[0], e.embed(texts).front());
  // Inflected forms share trigrams; unrelated texts are near-orthogonal.
  EXPECT_GT(dot(v[0], v[1]), 0.3F);
  EXPECT_LT(std::abs(dot(v[0], v[2])), 0.15F);
  EXPECT_EQ(dot(v[3], v[3]), 0.0F);  // nothing to embed: zeros, not NaN
  // Cyrillic and its transliteration embed alike.
  EXPECT_GT(dot(e.embed_one("Тіні забутих предків"), e.embed_one("tini zabutykh predkiv")), 0.99F);
}

// ---- Bad queries -------------------------------------------------------------------------

TEST(ValidateQuery, ClearErrors) {
  EXPECT_FALSE(validate_query("dune").has_value());
  EXPECT_FALSE(validate_query("  Тіні забутих предків  ").has_value());
  EXPECT_EQ(validate_query(""), "the query is empty");
  EXPECT_EQ(validate_query(" \t\r\n "), "the query is empty");
  EXPECT_EQ(validate_query(std::string(1000, 'a')), "the query is longer than 200 characters");
  EXPECT_FALSE(validate_query(std::string(200, 'a')).has_value());
  // 200 Cyrillic letters are 400 bytes and still 200 characters.
  std::string cyr;
  for (int i = 0; i < 200; ++i)
    cyr += "д";
  EXPECT_FALSE(validate_query(cyr).has_value());
  EXPECT_TRUE(validate_query(cyr + "д").has_value());
  EXPECT_EQ(validate_query("du\x01ne"), "the query contains control characters");
  EXPECT_EQ(validate_query("dune\x7f"), "the query contains control characters");
  EXPECT_EQ(validate_query("du\tne"), "the query contains control characters");
  EXPECT_EQ(validate_query(std::string("du\0ne", 5)), "the query contains control characters");
  EXPECT_EQ(validate_query("du\xc2\x85ne"), "the query contains control characters");  // NEL
  EXPECT_EQ(validate_query("\xff\xfe"), "the query is not valid UTF-8");
  EXPECT_EQ(validate_query("!!! ..."), "the query has no letters or digits");
  EXPECT_FALSE(validate_query("\xef\xbf\xbd dune").has_value());  // a real U+FFFD is fine
}

TEST(SearchIndex, InvalidQueriesFindNothing) {
  EXPECT_TRUE(index().search("", 5).empty());
  EXPECT_TRUE(index().search(std::string(1000, 'd'), 5).empty());
  EXPECT_TRUE(index().search("dune\x01", 5).empty());
  EXPECT_TRUE(index().suggest("du\x01", 5).empty());
  EXPECT_TRUE(index().search("dune", 0).empty());
}

TEST(SearchIndex, ReportsItsMemory) {
  // At least the vectors: a title row and an overview row per film, 384 bytes each.
  EXPECT_GE(index().memory_bytes(), catalogue().size() * 2 * 384);
  EXPECT_EQ(index().size(), catalogue().size());
}

}  // namespace
}  // namespace cinestream::search
