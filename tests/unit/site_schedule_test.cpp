// Cinema sites' schema.org showtimes: pages shaped like real ones (a multiplex's @graph, a
// MovieTheater with event[], microdata, defective and hostile pages) read into the scrape's rows,
// with every screening either kept, a duplicate, or counted as dropped.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "cinestream/agent/page_markup.hpp"
#include "cinestream/agent/schema_screenings.hpp"
#include "cinestream/agent/screening_language.hpp"
#include "cinestream/agent/site_schedule.hpp"

namespace cinestream::agent {
namespace {
using namespace std::chrono_literals;

const date::time_zone* kyiv() {
  return find_zone("Europe/Kyiv");
}

// A scrape of Kyiv that knows four cinemas and one movie in three languages.
struct Fixture {
  std::vector<std::string> places{"Kyiv", "Київ", "Киев"};
  NameIndex cinemas{false, places};
  std::vector<MovieInfo> movies;
  NameIndex movie_index{true};
  std::set<std::string> days{"2026-09-29", "2026-09-30"};
  DropCounts drops;

  Fixture() {
    cinemas.add(0, "Multiplex Lavina", "вул. Берковецька, 6Д",
                "https://multiplex.ua/cinema/kyiv/lavina");
    cinemas.add(1, "Планета Кіно (Блокбастер)", "просп. Степана Бандери, 36",
                "https://planetakino.ua/blockbuster/");
    cinemas.add(2, "Кінотеатр Жовтень", "вул. Костянтинівська, 26",
                "https://zhovten-kino.kiev.ua/");
    cinemas.add(3, "Кінотеатр Оскар", "вул. Шота Руставелі, 1", "https://oskar.kyiv.ua/");
    MovieInfo dune;
    dune.title = {"Dune: Part Two", "", "Дюна: Частина друга", "Дюна: Часть вторая"};
    movies.push_back(dune);
    for (const auto* t : {&dune.title.en, &dune.title.ua, &dune.title.ru})
      movie_index.add(0, *t);
  }

  SiteRows read(std::string_view html, std::string_view url, std::optional<std::size_t> site) {
    auto page = extract_screenings(html, url);
    return site_rows(page, {cinemas, site, days, kyiv()}, movies, movie_index, drops);
  }
};

// One row as text: cinema, movie index (or -), title, day, UTC start, format, language, hall.
std::string show(const ShowtimeRow& r) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", r.cinema,
                     r.movie ? std::to_string(*r.movie) : std::string("-"), r.movie_title, r.day,
                     format_utc(r.start), r.format, r.language, r.hall);
}

std::vector<std::string> shown(const SiteRows& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows.rows)
    out.push_back(show(r));
  return out;
}

std::string drops_of(const DropCounts& d) {
  return fmt::format("malformed={} bad_time={} outside_days={} unknown={} ambiguous={}",
                     d.malformed, d.bad_time, d.outside_days, d.unknown_cinema, d.ambiguous_cinema);
}

// A multiplex chain's schedule page: an @graph with the theater, movies and events linked by @id,
// rooms inside the theater, an event of another city's cinema and one of a later week.
constexpr std::string_view kMultiplexPage = R"html(<!DOCTYPE html>
<html lang="uk-UA"><head><meta charset="utf-8">
<title>Розклад сеансів — Multiplex Lavina</title>
<script type="application/ld+json">
{"@context":"https://schema.org","@graph":[
 {"@type":"MovieTheater","@id":"https://multiplex.ua/cinema/kyiv/lavina#theater",
  "name":"Multiplex Lavina","url":"https://multiplex.ua/cinema/kyiv/lavina",
  "address":{"@type":"PostalAddress","streetAddress":"вул. Берковецька, 6Д",
             "addressLocality":"Київ"}},
 {"@type":"Movie","@id":"#dune2","name":"Дюна: Частина друга","alternateName":"Dune: Part Two",
  "duration":"PT2H46M","inLanguage":"en","image":"/images/posters/dune2.jpg"},
 {"@type":"ScreeningEvent","name":"Дюна: Частина друга","startDate":"2026-09-29T15:40:00+03:00",
  "workPresented":{"@id":"#dune2"},
  "location":{"@type":"ScreeningRoom","name":"Зал 5",
              "containedInPlace":{"@id":"https://multiplex.ua/cinema/kyiv/lavina#theater"}},
  "videoFormat":"IMAX","inLanguage":"uk",
  "offers":{"@type":"Offer","url":"/tickets/123456","price":"250","priceCurrency":"UAH"}},
 {"@type":"ScreeningEvent","startDate":"2026-09-29T19:10:00+03:00",
  "workPresented":{"@id":"#dune2"},
  "location":{"@type":"ScreeningRoom","name":"Зал 2",
              "containedInPlace":{"@id":"https://multiplex.ua/cinema/kyiv/lavina#theater"}},
  "videoFormat":"2D","inLanguage":"en","subtitleLanguage":"uk"},
 {"@type":"ScreeningEvent","startDate":"2026-09-30T12:00:00+03:00",
  "workPresented":[{"@type":"Movie","name":"Тачки","alternateName":["Cars"],"duration":"PT1H57M"}],
  "location":{"@id":"https://multiplex.ua/cinema/kyiv/lavina#theater"},
  "videoFormat":"2D","inLanguage":"Українська"},
 {"@type":"ScreeningEvent","startDate":"2026-10-05T12:00:00+03:00",
  "workPresented":{"@type":"Movie","name":"Тачки"},
  "location":{"@id":"https://multiplex.ua/cinema/kyiv/lavina#theater"}},
 {"@type":"ScreeningEvent","startDate":"2026-09-29T18:00:00+03:00",
  "workPresented":{"@type":"Movie","name":"Тачки"},
  "location":{"@type":"MovieTheater","name":"Multiplex Forum Lviv",
              "url":"https://multiplex.ua/cinema/lviv/forum"}}
]}
</script></head>
<body><div class="schedule"><h1>Розклад</h1><p>Квитки онлайн</p></div></body></html>)html";

TEST(SiteSchedule, MultiplexGraphWithRoomsAndReferences) {
  Fixture f;
  auto page = extract_screenings(kMultiplexPage, "https://multiplex.ua/cinema/kyiv/lavina/");
  ASSERT_EQ(page.screenings.size(), 5u);
  EXPECT_EQ(page.lang, "uk-UA");
  EXPECT_EQ(page.blocks, 1);
  const auto& first = page.screenings[0];
  EXPECT_EQ(first.cinema, "Multiplex Lavina");
  EXPECT_EQ(first.cinema_address, "вул. Берковецька, 6Д, Київ");
  EXPECT_EQ(first.hall, "Зал 5");
  EXPECT_EQ(first.movie, "Дюна: Частина друга");
  EXPECT_EQ(first.alternates, std::vector<std::string>{"Dune: Part Two"});
  EXPECT_EQ(first.duration, "PT2H46M");
  EXPECT_EQ(first.offer_url, "https://multiplex.ua/tickets/123456");
  EXPECT_EQ(first.movie_image, "https://multiplex.ua/images/posters/dune2.jpg");

  auto rows = f.read(kMultiplexPage, "https://multiplex.ua/cinema/kyiv/lavina/", 0);
  EXPECT_EQ(shown(rows), (std::vector<std::string>{
                             "0|0|Дюна: Частина друга|2026-09-29|2026-09-29T12:40:00Z|IMAX|"
                             "Ukrainian dubbing|Зал 5",
                             "0|0|Дюна: Частина друга|2026-09-29|2026-09-29T16:10:00Z|2D|"
                             "original with Ukrainian subtitles|Зал 2",
                             "0|1|Тачки|2026-09-30|2026-09-30T09:00:00Z|2D|Ukrainian|",
                         }));
  EXPECT_EQ(drops_of(f.drops), "malformed=0 bad_time=0 outside_days=1 unknown=1 ambiguous=0");
  EXPECT_EQ(rows.duplicates, 0);
  // The known movie gains what the site adds; the new one is listed with its titles sorted.
  ASSERT_EQ(f.movies.size(), 2u);
  EXPECT_EQ(f.movies[0].runtime, 166min);
  EXPECT_EQ(f.movies[0].image_url, "https://multiplex.ua/images/posters/dune2.jpg");
  EXPECT_EQ(f.movies[1].title.local, "Тачки");
  EXPECT_EQ(f.movies[1].title.en, "Cars");
  EXPECT_EQ(f.movies[1].title.ua, "Тачки");  // no letter says which: the page's language does
  EXPECT_EQ(f.movies[1].runtime, 117min);
  EXPECT_EQ(f.movie_index.find("Cars"), 1u);
}

// A one-screen cinema's page: a MovieTheater with event[], names HTML-escaped inside the JSON,
// the doubled designator, a series with subEvents at local times without an offset (one listed
// twice, once with its offset), and a room as a Place inside the theater.
constexpr std::string_view kTheaterPage = R"html(<html lang="uk"><head>
<script type="application/ld+json">
{"@context":"http://schema.org","@type":"MovieTheater","name":"Кінотеатр &quot;Жовтень&quot;",
 "url":"https://zhovten-kino.kiev.ua/","address":"вул. Костянтинівська, 26",
 "event":[
  {"@type":["Event","ScreeningEvent"],"name":"Тіні забутих предків",
   "startDate":"2026-09-29T15:40:00.000Z-03:00",
   "workPresented":[{"@type":"Movie","name":"Тіні забутих предків","inLanguage":"uk",
                     "duration":"PT1H37M"}],
   "inLanguage":"uk","videoFormat":"2D",
   "location":{"@type":"Place","name":"Зал &#039;Великий&#039;",
               "containedInPlace":{"@type":"MovieTheater","name":"Кінотеатр &quot;Жовтень&quot;"}}},
  {"@type":"ScreeningEvent","name":"Tom &amp; Jerry",
   "workPresented":{"@type":"Movie","name":"Том і Джеррі","alternateName":"Tom &amp;amp; Jerry"},
   "inLanguage":"Українська","subtitleLanguage":"",
   "subEvent":[{"@type":"ScreeningEvent","startDate":"2026-09-29T11:00"},
               {"@type":"ScreeningEvent","startDate":"2026-09-29 13:30"},
               {"@type":"ScreeningEvent","startDate":"2026-09-29T13:30:00+03:00"},
               {"@type":"ScreeningEvent","startDate":"2026-09-29"}]}
 ]}
</script></head><body></body></html>)html";

TEST(SiteSchedule, TheaterEventsEntitiesAndDoubledDesignator) {
  Fixture f;
  auto rows = f.read(kTheaterPage, "https://zhovten-kino.kiev.ua/rozklad", 2);
  EXPECT_EQ(shown(rows), (std::vector<std::string>{
                             // 15:40 on the cinema's clock, not 18:40 UTC nor 15:40 UTC.
                             "2|1|Тіні забутих предків|2026-09-29|2026-09-29T12:40:00Z|2D|"
                             "original|Зал 'Великий'",
                             "2|2|Том і Джеррі|2026-09-29|2026-09-29T08:00:00Z||Ukrainian|",
                             "2|2|Том і Джеррі|2026-09-29|2026-09-29T10:30:00Z||Ukrainian|",
                         }));
  EXPECT_EQ(rows.duplicates, 1);
  EXPECT_EQ(drops_of(f.drops), "malformed=0 bad_time=1 outside_days=0 unknown=0 ambiguous=0");
  ASSERT_EQ(f.movies.size(), 3u);
  EXPECT_EQ(f.movies[2].title.en, "Tom & Jerry");  // escaped twice on the page
  EXPECT_EQ(f.movies[2].title.ua, "Том і Джеррі");
  EXPECT_EQ(f.movies[1].runtime, 97min);
}

// Microdata: the theater, its events with a nested Movie, values in content/datetime/href/src
// attributes and in text, and an Offer as a nested item.
constexpr std::string_view kMicrodataPage = R"html(<!doctype html>
<html lang="ru"><body>
<div itemscope itemtype="https://schema.org/MovieTheater">
  <h1 itemprop="name">Кинотеатр   Оскар</h1>
  <div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
    <span itemprop="streetAddress">ул. Шота Руставели, 1</span></div>
  <ul>
  <li itemprop="event" itemscope itemtype="https://schema.org/ScreeningEvent">
    <div itemprop="workPresented" itemscope itemtype="https://schema.org/Movie">
      <a itemprop="url" href="/film/dune-2"><span itemprop="name">Дюна: Часть вторая</span></a>
      <meta itemprop="duration" content="PT166M">
      <img itemprop="image" src="/posters/dune2.jpg" alt="">
    </div>
    <time itemprop="startDate" datetime="2026-09-30T21:00:00+03:00">30.09 21:00</time>
    <span itemprop="videoFormat">3D</span>
    <meta itemprop="inLanguage" content="ru">
    <span itemprop="offers" itemscope itemtype="https://schema.org/Offer">
      <a itemprop="url" href="https://oskar.kyiv.ua/buy/77">Купить</a></span>
  </li>
  <li itemprop="event" itemscope itemtype="https://schema.org/ScreeningEvent">
    <span itemprop="name">Оппенгеймер</span>
    <meta itemprop="startDate" content="2026-09-30T25:00">
  </li>
  <li itemprop="event" itemscope itemtype="https://schema.org/ScreeningEvent">
    <meta itemprop="startDate" content="2026-09-30T18:00">
  </li>
  </ul>
</div></body></html>)html";

TEST(SiteSchedule, Microdata) {
  Fixture f;
  auto page = extract_screenings(kMicrodataPage, "https://oskar.kyiv.ua/afisha");
  ASSERT_EQ(page.screenings.size(), 3u);
  const auto& s = page.screenings[0];
  EXPECT_EQ(s.cinema, "Кинотеатр Оскар");
  EXPECT_EQ(s.cinema_address, "ул. Шота Руставели, 1");
  EXPECT_EQ(s.movie, "Дюна: Часть вторая");
  EXPECT_EQ(s.start, "2026-09-30T21:00:00+03:00");
  EXPECT_EQ(s.duration, "PT166M");
  EXPECT_EQ(s.movie_image, "https://oskar.kyiv.ua/posters/dune2.jpg");
  EXPECT_EQ(s.offer_url, "https://oskar.kyiv.ua/buy/77");

  auto rows = f.read(kMicrodataPage, "https://oskar.kyiv.ua/afisha", std::nullopt);
  EXPECT_EQ(shown(rows), (std::vector<std::string>{
                             "3|0|Дюна: Часть вторая|2026-09-30|2026-09-30T18:00:00Z|3D|"
                             "Russian|",
                         }));
  // The third names no movie.
  EXPECT_EQ(drops_of(f.drops), "malformed=1 bad_time=1 outside_days=0 unknown=0 ambiguous=0");
}

// Real pages' defects: a block with comments and trailing commas (read), one cut short (skipped,
// counted), one HTML-escaped as a whole, a JSON block that is not JSON-LD, and the same screening
// in JSON-LD and in microdata.
constexpr std::string_view kDefectivePage = R"html(<html><head>
<script type="application/ld+json">
// generated by the schedule plugin
{"@context":"https://schema.org","@type":"ScreeningEvent",
 "workPresented":{"@type":"Movie","name":"Dune: Part Two",},
 "location":{"@type":"MovieTheater","name":"Планета Кіно (Блокбастер)"},
 "startDate":"2026-09-29T20:00:00+03:00","videoFormat":"4DX","inLanguage":"en-US",
 "subtitleLanguage":{"@type":"Language","name":"Ukrainian"},}
</script>
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"ScreeningEvent","startDate":"2026-09-29T21:00
</script>
<script type="application/ld+json; charset=utf-8">
{&quot;@type&quot;:&quot;ScreeningEvent&quot;,&quot;startDate&quot;:&quot;2026-09-30T10:00:00+03:00&quot;,
 &quot;workPresented&quot;:{&quot;@type&quot;:&quot;Movie&quot;,&quot;name&quot;:&quot;Дюна: Частина друга&quot;},
 &quot;location&quot;:&quot;Планета Кіно Блокбастер&quot;}
</script>
<script type="application/json">{"@type":"ScreeningEvent","startDate":"2026-09-29T10:00"}</script>
</head><body>
<div itemscope itemtype="http://schema.org/ScreeningEvent">
  <div itemprop="workPresented" itemscope itemtype="http://schema.org/Movie">
    <b itemprop="name">Dune: Part Two</b></div>
  <div itemprop="location" itemscope itemtype="http://schema.org/MovieTheater">
    <span itemprop="name">Планета Кіно (Блокбастер)</span></div>
  <meta itemprop="startDate" content="2026-09-29T17:00:00Z">
  <meta itemprop="videoFormat" content="4dx">
  <meta itemprop="inLanguage" content="English"><meta itemprop="subtitleLanguage" content="uk">
</div>
</body></html>)html";

TEST(SiteSchedule, DefectiveBlocksAndDuplicates) {
  Fixture f;
  auto page = extract_screenings(kDefectivePage, "https://planetakino.ua/blockbuster/showtimes");
  EXPECT_EQ(page.blocks, 3);
  EXPECT_EQ(page.blocks_invalid, 1);
  auto rows = site_rows(page, {f.cinemas, 1, f.days, kyiv()}, f.movies, f.movie_index, f.drops);
  EXPECT_EQ(shown(rows), (std::vector<std::string>{
                             "1|0|Dune: Part Two|2026-09-29|2026-09-29T17:00:00Z|4DX|"
                             "original with Ukrainian subtitles|",
                             "1|0|Дюна: Частина друга|2026-09-30|2026-09-30T07:00:00Z|||",
                         }));
  EXPECT_EQ(rows.duplicates, 1);  // the microdata copy: 4dx, 17:00Z
  EXPECT_EQ(f.drops.total(), 0);
}

TEST(SiteSchedule, StartTimes) {
  auto utc = [](std::string_view s) {
    auto t = site_start(s, kyiv());
    return t ? format_utc(*t) : std::string("none");
  };
  // The doubled designator is read as the cinema's wall time (see parse_start_stamp).
  EXPECT_EQ(utc("2026-09-29T15:40:00.000Z-03:00"), "2026-09-29T12:40:00Z");
  EXPECT_EQ(utc("2026-09-29T15:40:00Z+00:00"), "2026-09-29T15:40:00Z");
  EXPECT_EQ(utc("2026-09-29T15:40:00+03:00"), "2026-09-29T12:40:00Z");
  EXPECT_EQ(utc("2026-09-29T15:40:00-04:00"), "2026-09-29T19:40:00Z");
  EXPECT_EQ(utc("2026-09-29T15:40:00+0300"), "2026-09-29T12:40:00Z");
  EXPECT_EQ(utc("2026-09-29T15:40:00Z"), "2026-09-29T15:40:00Z");
  EXPECT_EQ(utc("2026-09-29T15:40"), "2026-09-29T12:40:00Z");
  EXPECT_EQ(utc("2026-09-29 15:40"), "2026-09-29T12:40:00Z");
  EXPECT_EQ(utc("2026-12-29 15:40"), "2026-12-29T13:40:00Z");  // winter time
  for (auto bad : {"2026-09-29", "2026-09-29T15:40+3", "2026-09-29T15:40+03", "15:40",
                   "2026-09-29T15:40:00+15:00", "2026-09-29T15:40:00Z-03:7", "2026-02-30T10:00"}) {
    EXPECT_EQ(utc(bad), "none") << bad;
  }
}

TEST(SiteSchedule, Durations) {
  auto minutes = [](std::string_view s) {
    auto d = parse_iso_duration(s);
    return d ? static_cast<int>(d->count()) : -1;
  };
  EXPECT_EQ(minutes("PT2H"), 120);
  EXPECT_EQ(minutes("PT1H45M"), 105);
  EXPECT_EQ(minutes("PT105M"), 105);
  EXPECT_EQ(minutes("P0DT2H10M"), 130);
  EXPECT_EQ(minutes("PT6300S"), 105);
  EXPECT_EQ(minutes("PT1H45M30.5S"), 106);
  EXPECT_EQ(minutes("pt1h"), 60);
  for (auto bad : {"", "P", "PT", "PT2", "2H", "PT0M", "P1D", "PT13H", "PTH", "P2H", "PT1.5H"}) {
    EXPECT_EQ(minutes(bad), -1) << bad;
  }
}

TEST(SiteSchedule, LanguagesAsNamesAndCodes) {
  for (auto s : {"uk", "UK", "uk-UA", "ukr", "Українська", "УКРАЇНСЬКА", "украинский", "Ukrainian"})
    EXPECT_EQ(language_name(s), "Ukrainian") << s;
  for (auto s : {"en", "en_US", "eng", "English", "англійська", "Английский"})
    EXPECT_EQ(language_name(s), "English") << s;
  EXPECT_EQ(language_name("ru-RU"), "Russian");
  EXPECT_EQ(language_name("Мовою оригіналу"), "original");
  EXPECT_EQ(language_name("Klingon"), "Klingon");
  EXPECT_EQ(language_name(""), "");

  EXPECT_EQ(screening_language("uk", "", "en"), "Ukrainian dubbing");
  EXPECT_EQ(screening_language("en", "", "English"), "original");
  EXPECT_EQ(screening_language("OV", "", ""), "original");
  EXPECT_EQ(screening_language("en", "uk", ""), "original with Ukrainian subtitles");
  EXPECT_EQ(screening_language("", "українська", ""), "original with Ukrainian subtitles");
  EXPECT_EQ(screening_language("uk", "uk", ""), "Ukrainian with Ukrainian subtitles");
  EXPECT_EQ(screening_language("uk", "", ""), "Ukrainian");
  EXPECT_EQ(screening_language("", "", "en"), "");
}

TEST(SiteSchedule, Entities) {
  EXPECT_EQ(decode_html_entities("Tom &amp; Jerry"), "Tom & Jerry");
  EXPECT_EQ(decode_html_entities("It&#039;s &#x27;on&#X27; &apos;now&apos;"), "It's 'on' 'now'");
  EXPECT_EQ(decode_html_entities("&quot;Жовтень&quot; &laquo;Оскар&raquo;&nbsp;1"),
            "\"Жовтень\" «Оскар» 1");
  EXPECT_EQ(decode_html_entities("&amp;quot;twice&amp;quot;"), "\"twice\"");
  for (auto kept : {"A & B", "&bogus;", "&#0;", "&#xD800;", "&#99999999;", "&", "&amp", "&#;"})
    EXPECT_EQ(decode_html_entities(kept), kept) << kept;
}

// A hostile page: thousands of nested elements and itemscopes, JSON nested past the parser's
// depth, an oversized block, more blocks and events than read. Bounded, and what is valid still
// comes through.
TEST(SiteSchedule, HugeAndDeepPagesStayBounded) {
  std::string html = "<html><body>";
  for (int i = 0; i < 20000; ++i)
    html += "<div itemscope itemtype=\"https://schema.org/Event\" itemprop=\"subEvent\">";
  html += fmt::format("<script type=\"application/ld+json\">{}</script>", std::string(5000, '['));
  html +=
      fmt::format("<script type=\"application/ld+json\">[{}]</script>", std::string(1200000, ' '));
  html += R"(<script type="application/ld+json">{"@type":"ScreeningEvent","name":"Dune: Part Two",
    "startDate":"2026-09-29T20:00:00+03:00","location":"Кінотеатр Оскар"}</script>)";
  std::string events;
  for (int i = 0; i < 3000; ++i) {
    events += fmt::format(R"({}{{"@type":"ScreeningEvent","name":"Film {}",)"
                          R"("startDate":"2026-09-29T10:00","location":"Кінотеатр Оскар"}})",
                          i ? "," : "", i);
  }
  html += fmt::format("<script type=\"application/ld+json\">[{}]</script>", events);
  for (int i = 0; i < 40; ++i)
    html += "<script type=\"application/ld+json\">{}</script>";
  html += "</body></html>";

  auto markup = read_page_markup(html);
  EXPECT_EQ(markup.json_ld.size() + static_cast<std::size_t>(markup.blocks_invalid), 32u);
  EXPECT_EQ(markup.blocks_invalid, 1);       // nested past the limit
  EXPECT_EQ(markup.blocks_skipped, 1 + 11);  // the oversized one, and those past 32
  auto page = schema_screenings(markup, "https://oskar.kyiv.ua/");
  EXPECT_TRUE(page.truncated);
  ASSERT_EQ(page.screenings.size(), kMaxScreeningsPerPage);
  EXPECT_EQ(page.screenings[0].movie, "Dune: Part Two");
  EXPECT_EQ(page.screenings[1].movie, "Film 0");

  // A page over the byte limit is read up to it.
  MarkupLimits small;
  small.max_page_bytes = 1000;
  auto cut = read_page_markup(kMultiplexPage, small);
  EXPECT_TRUE(cut.truncated);
  EXPECT_TRUE(cut.json_ld.empty());
}

// Ukrainian sites still serve windows-1251: declared in the page, or only in the HTTP header.
TEST(SiteSchedule, Charsets) {
  const std::string event =
      "<script type=\"application/ld+json\">{\"@type\":\"ScreeningEvent\",\"name\":\""
      "\xC4\xFE\xED\xE0\",\"startDate\":\"2026-09-29T10:00\"}</script>";  // "Дюна" in cp1251
  auto declared = extract_screenings(
      "<html><head><meta charset=\"windows-1251\">" + event + "</head></html>", "");
  ASSERT_EQ(declared.screenings.size(), 1u);
  EXPECT_EQ(declared.screenings[0].movie, "Дюна");
  auto from_header = extract_screenings("<html><head>" + event + "</head></html>", "", "cp1251");
  ASSERT_EQ(from_header.screenings.size(), 1u);
  EXPECT_EQ(from_header.screenings[0].movie, "Дюна");
}

// Not a page, or schema.org text where it is no data: a plain script, a comment, body text.
TEST(SiteSchedule, OnlyMarkupCounts) {
  constexpr std::string_view kEvent =
      R"({"@type":"ScreeningEvent","name":"Dune","startDate":"2026-09-29T10:00"})";
  for (const auto& junk :
       {std::string(), std::string("\0\xff\xfe<", 4), std::string(kEvent),
        fmt::format("<script>{}</script>", kEvent),
        fmt::format("<!-- <script type=\"application/ld+json\">{}</script> -->", kEvent),
        fmt::format("<p>{}</p><span itemprop=\"startDate\">2026-09-29T10:00</span>", kEvent),
        std::string("<script type=application/ld+json>[1,2")}) {
    auto page = extract_screenings(junk, "not a url");
    EXPECT_TRUE(page.screenings.empty()) << junk;
  }
  // The same event in a JSON-LD block is read.
  auto page = extract_screenings(
      fmt::format("<script type=\"application/ld+json\">{}</script>", kEvent), "not a url");
  EXPECT_EQ(page.screenings.size(), 1u);
}

}  // namespace
}  // namespace cinestream::agent
