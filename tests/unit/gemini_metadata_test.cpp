// The Gemini fallback's answer checked before any of it is used: the model saying it does not
// know the film, a full answer, and answers that are not what was asked for.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cinestream/gemini_metadata/metadata_provider.hpp"

namespace cinestream::gemini_metadata {
namespace {
namespace json = boost::json;

std::optional<catalog::FilmMetadata> parse(std::string_view text) {
  return parse_film_answer(json::parse(text), 2026);
}

TEST(GeminiMetadata, TheAnswerIsCheckedBeforeUse) {
  EXPECT_FALSE(parse(R"({"found": false})"));
  auto m = parse(R"({"found": true, "title_original": "Anora", "title_en": "Anora",
      "title_uk": "Анора", "title_ru": "Анора", "year": 2024, "runtime_minutes": 139,
      "genres": ["Drama", 5, "Comedy"], "overview_en": "An escort marries.",
      "overview_uk": "Ескортниця одружується.", "overview_ru": null, "age_rating": "18+",
      "tmdb_id": 1064213, "poster_url": "http://169.254.169.254/latest"})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->title.uk, "Анора");
  EXPECT_EQ(m->year, 2024);
  EXPECT_EQ(m->runtime_minutes, 139);
  EXPECT_EQ(m->genres, (std::vector<std::string>{"Drama", "Comedy"}));
  EXPECT_EQ(m->overview.ua, "Ескортниця одружується.");
  EXPECT_EQ(m->overview.ru, "");
  // Ids and posters a model may invent are never taken.
  EXPECT_EQ(m->tmdb_id, 0);
  EXPECT_EQ(m->poster_url, "");
  // Implausible numbers are unknown, not stored.
  auto odd = parse(R"({"found": true, "title_en": "X", "year": 1500, "runtime_minutes": -3})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->year, 0);
  EXPECT_EQ(odd->runtime_minutes, 0);

  for (const char* bad :
       {R"([])", R"({"title_en": "Anora"})", R"({"found": "yes"})", R"({"found": true})",
        R"({"found": true, "title_en": 7})", R"({"found": true, "title_en": "A", "year": "2024"})"})
    EXPECT_THROW(parse(bad), std::invalid_argument) << bad;
  auto huge = fmt::format(R"({{"found": true, "title_en": "A", "overview_en": "{}"}})",
                          std::string(5000, 'x'));
  EXPECT_THROW(parse(huge), std::invalid_argument);
}

TEST(GeminiMetadata, ThePromptCarriesWhatTheScrapesKnow) {
  catalog::Film f;
  f.title.en = "Anora";
  f.title.uk = "Анора";
  f.runtime_minutes = 139;
  auto r = film_prompt(f);
  EXPECT_NE(r.prompt.find("Anora"), std::string::npos);
  EXPECT_NE(r.prompt.find("Анора"), std::string::npos);
  EXPECT_NE(r.prompt.find("139"), std::string::npos);
  EXPECT_EQ(r.prompt.find("year:"), std::string::npos);  // unknown: not asked as if known
  EXPECT_TRUE(r.want_json);
}

}  // namespace
}  // namespace cinestream::gemini_metadata
