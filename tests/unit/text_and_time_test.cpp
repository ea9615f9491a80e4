#include <gtest/gtest.h>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/text/normalize.hpp"
#include "support/sample_data.hpp"

namespace cinestream {
namespace {

using testing::utc;
using namespace std::chrono_literals;

TEST(Normalize, FoldsCasePunctuationAndCyrillic) {
  EXPECT_EQ(normalize_key("Multiplex, ТРЦ «Gulliver»!"), "multiplex трц gulliver");
  EXPECT_EQ(normalize_key("  ДЮНА:   Частина   друга "), "дюна частина друга");
  EXPECT_EQ(normalize_key("Її Ґанок Єва"), "її ґанок єва");
  EXPECT_EQ(normalize_key("Ёлки"), normalize_key("елки"));
  EXPECT_EQ(normalize_key("Kam'ianske"), normalize_key("Kam’ianske"));
  EXPECT_EQ(normalize_key("Kam'ianske"), "kamianske");
  EXPECT_EQ(normalize_key("!!!"), "");
  EXPECT_TRUE(same_key("NEW-YORK", "new york"));
}

TEST(Normalize, SurvivesInvalidUtf8) {
  std::string bad =
      "ab\xff\xfe"
      "cd\xd0";
  EXPECT_EQ(normalize_key(bad), "ab cd");
}

TEST(LocalTime, ParsesOnlyRealDays) {
  EXPECT_TRUE(parse_iso_date("2026-11-21"));
  EXPECT_TRUE(parse_iso_date("2028-02-29"));
  EXPECT_FALSE(parse_iso_date("2026-02-29"));
  EXPECT_FALSE(parse_iso_date("2026-13-01"));
  EXPECT_FALSE(parse_iso_date("2026-1-01"));
  EXPECT_FALSE(parse_iso_date("2026-11-21T00"));
  EXPECT_FALSE(parse_iso_date("20261121"));
  EXPECT_FALSE(parse_iso_date("-026-11-21"));
  EXPECT_FALSE(parse_iso_date(""));
  EXPECT_EQ(format_iso_date(*parse_iso_date("2026-03-09")), "2026-03-09");
}

TEST(LocalTime, DaysFollowDaylightSaving) {
  auto kyiv = find_zone("Europe/Kyiv");
  ASSERT_TRUE(kyiv);
  // Summer time starts 2026-03-29 at 03:00 local: that day has 23 hours.
  auto spring = local_day(kyiv, *parse_iso_date("2026-03-29"));
  EXPECT_EQ(spring.begin, utc(2026, 3, 28, 22, 0));
  EXPECT_EQ(spring.end - spring.begin, 23h);
  auto autumn = local_day(kyiv, *parse_iso_date("2026-10-25"));
  EXPECT_EQ(autumn.end - autumn.begin, 25h);
  EXPECT_EQ(format_local_time(kyiv, utc(2026, 3, 29, 0, 30)), "2026-03-29T02:30:00+02:00");
  EXPECT_EQ(format_local_time(kyiv, utc(2026, 3, 29, 1, 30)), "2026-03-29T04:30:00+03:00");
  auto ny = find_zone("America/New_York");
  EXPECT_EQ(format_local_time(ny, utc(2026, 11, 21, 3, 0)), "2026-11-20T22:00:00-05:00");
  EXPECT_EQ(local_date(ny, utc(2026, 11, 21, 3, 0)), *parse_iso_date("2026-11-20"));
  EXPECT_EQ(format_utc(utc(2026, 11, 21, 3, 4)), "2026-11-21T03:04:00Z");
  EXPECT_EQ(find_zone("Mars/Olympus"), nullptr);
}

TEST(CityCatalog, ResolvesIdsAndNamesInEveryLanguage) {
  CityCatalog catalog(testing::test_locations());
  for (auto q : {"kyiv", "KYIV", "Kyiv", "Київ", "київ", "Киев", " kyiv "}) {
    ASSERT_NE(catalog.resolve(q), nullptr) << q;
    EXPECT_EQ(catalog.resolve(q)->id, "kyiv") << q;
  }
  EXPECT_EQ(catalog.resolve("atlantis"), nullptr);
  EXPECT_EQ(catalog.resolve(""), nullptr);
  EXPECT_EQ(catalog.resolve("!!"), nullptr);
}

TEST(CityCatalog, NearestFirst) {
  CityCatalog catalog(testing::test_locations());
  auto near = catalog.nearest({49.84, 24.03}, 2);  // in Lviv
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0].location->id, "lviv");
  EXPECT_LT(near[0].distance_km, 1.0);
  EXPECT_EQ(near[1].location->id, "kyiv");
  EXPECT_NEAR(near[1].distance_km, 468, 10);
}

TEST(CityCatalog, RefusesUnknownZones) {
  auto bad = testing::test_locations();
  bad[0].tz = "Europe/Atlantis";
  EXPECT_THROW(CityCatalog{bad}, std::invalid_argument);
}

TEST(BundledLocations, CoverUkraineAndTheWorld) {
  auto all = bundled_locations();
  CityCatalog catalog(all);  // every zone is known to the OS tzdb
  std::size_t ukraine = 0, world = 0;
  for (const auto& l : all) {
    EXPECT_FALSE(l.name.en.empty() || l.name.ua.empty() || l.name.ru.empty()) << l.id;
    EXPECT_EQ(catalog.resolve(l.id), &catalog.all()[catalog.index_of(*catalog.resolve(l.id))]);
    (l.country_code == "UA" ? ukraine : world) += 1;
  }
  EXPECT_GE(ukraine, 24u);
  EXPECT_GE(world, 50u);
  for (auto centre :
       {"kyiv",         "lviv",     "odesa",      "kharkiv",   "dnipro",          "zaporizhzhia",
        "vinnytsia",    "lutsk",    "zhytomyr",   "uzhhorod",  "ivano-frankivsk", "kropyvnytskyi",
        "mykolaiv",     "poltava",  "rivne",      "sumy",      "ternopil",        "kherson",
        "khmelnytskyi", "cherkasy", "chernivtsi", "chernihiv", "donetsk",         "luhansk"}) {
    EXPECT_NE(catalog.resolve(centre), nullptr) << centre;
  }
  EXPECT_EQ(catalog.resolve("Харьков")->id, "kharkiv");
  EXPECT_THROW(parse_locations_json("{}"), std::invalid_argument);
  EXPECT_THROW(parse_locations_json(R"([{"id":"x"}])"), std::invalid_argument);
}

}  // namespace
}  // namespace cinestream
