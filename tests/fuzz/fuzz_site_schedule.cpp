// Cinema sites' schema.org data (agent/page_markup, agent/schema_screenings, agent/site_schedule)
// on arbitrary pages: libxml2's HTML parser, JSON-LD blocks, microdata, the links the site reader
// may follow, the walk over schema.org shapes and the rows made of it. The input is a whole page,
// or JSON-LD or microdata wrapped in one (so the fuzzer reaches the JSON quickly). Invariants: the
// limits hold (blocks, items, screenings); extracted text is clean and bounded, URLs are http(s);
// every screening becomes a row, a duplicate or a counted drop; a row names a known cinema and a
// known or added movie, falls on an asked day and starts inside that local day; entity decoding
// never lengthens text.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cinestream/agent/page_markup.hpp"
#include "cinestream/agent/schema_screenings.hpp"
#include "cinestream/agent/screening_language.hpp"
#include "cinestream/agent/site_links.hpp"
#include "cinestream/agent/site_schedule.hpp"
#include "cinestream/domain/local_time.hpp"
#include "fuzz_check.hpp"

namespace {
namespace agent = cinestream::agent;
using cinestream::fuzz::check_clean;

const std::vector<std::string> kCinemas = {"Multiplex Lavina", "Планета Кіно (Блокбастер)",
                                           "Кінотеатр Жовтень", "Кінотеатр Оскар"};
const std::vector<std::string> kMovies = {"Dune: Part Two", "Дюна: Частина друга",
                                          "Тіні забутих предків"};
const std::vector<std::string> kZones = {"Europe/Kyiv",  "America/New_York", "Australia/Sydney",
                                         "Asia/Kolkata", "Pacific/Auckland", "UTC"};

void check_url(const std::string& u) {
  if (u.empty()) return;
  FUZZ_CHECK(u.starts_with("http://") || u.starts_with("https://"));
  FUZZ_CHECK(agent::clean_url(u) == u);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  auto asked = cinestream::fuzz::asked_days(in, kZones);
  auto site = in.ConsumeIntegralInRange<std::size_t>(0, kCinemas.size());  // size(): none
  auto mode = in.ConsumeIntegralInRange<int>(0, 2);
  auto text = in.ConsumeRemainingBytesAsString();

  auto decoded = agent::decode_html_entities(text);
  FUZZ_CHECK(decoded.size() <= text.size());
  if (auto d = agent::parse_iso_duration(text)) FUZZ_CHECK(d->count() > 0 && d->count() <= 720);
  if (auto stamp = cinestream::parse_start_stamp(text)) {
    if (stamp->offset) FUZZ_CHECK(stamp->offset->count() >= -840 && stamp->offset->count() <= 840);
    FUZZ_CHECK(agent::site_start(text, asked.zone).has_value());
  }
  check_clean(agent::language_name(text), 60);

  std::string html;
  if (mode == 1) {
    html.append("<html lang=\"uk\"><head><script type=\"application/ld+json\">")
        .append(text)
        .append("</script></head></html>");
  } else if (mode == 2) {
    html.append("<html><body><div itemscope itemtype=\"https://schema.org/ScreeningEvent\">")
        .append(text)
        .append("</div></body></html>");
  } else {
    html = text;
  }

  agent::MarkupLimits limits;
  auto markup = agent::read_page_markup(html, limits);
  FUZZ_CHECK(markup.json_ld.size() + static_cast<std::size_t>(markup.blocks_invalid) <=
             limits.max_json_blocks);
  FUZZ_CHECK(markup.microdata.size() <= limits.max_items);
  FUZZ_CHECK(markup.lang.size() <= 35);
  // The site reader's links: bounded, and only same-site http(s) pages are ever followed.
  FUZZ_CHECK(markup.links.size() <= limits.max_links);
  for (const auto& link : markup.links) {
    FUZZ_CHECK(link.text.size() <= limits.max_link_text);
    auto target = agent::resolve_link("https://kino.example.ua/afisha/", link.href);
    if (!target) continue;
    FUZZ_CHECK(target->starts_with("http://") || target->starts_with("https://"));
    FUZZ_CHECK(target->find('#') == std::string::npos);
    if (agent::same_site_page("https://kino.example.ua/", *target))
      FUZZ_CHECK(agent::site_key(*target) == "kino.example.ua");
    (void)agent::classify_link(*target, link.text);
    (void)agent::path_and_query(*target);
  }

  auto page = agent::schema_screenings(markup, "https://kino.example.ua/afisha/");
  FUZZ_CHECK(page.screenings.size() <= agent::kMaxScreeningsPerPage);
  for (const auto& s : page.screenings) {
    check_clean(s.cinema, 200);
    check_clean(s.cinema_address, 300);
    check_url(s.cinema_url);
    check_clean(s.hall, 40);
    check_clean(s.movie, 200);
    FUZZ_CHECK(s.alternates.size() <= 3);
    for (const auto& a : s.alternates)
      check_clean(a, 200);
    check_clean(s.movie_language, 60);
    check_url(s.movie_image);
    check_clean(s.movie_description, 1000);
    check_clean(s.start, 60);
    check_clean(s.video_format, 40);
    check_clean(s.language, 60);
    check_clean(s.subtitle_language, 60);
    check_clean(s.duration, 40);
    check_url(s.offer_url);
  }

  cinestream::text::NameIndex cinemas(false, {"Kyiv", "Київ"}), movie_index(true);
  for (std::size_t i = 0; i < kCinemas.size(); ++i)
    cinemas.add(i, kCinemas[i]);
  std::vector<agent::MovieInfo> movies(2);
  movies[0].title.en = kMovies[0];
  movies[0].title.ua = kMovies[1];
  movies[1].title.ua = kMovies[2];
  movie_index.add(0, kMovies[0]);
  movie_index.add(0, kMovies[1]);
  movie_index.add(1, kMovies[2]);

  std::optional<std::size_t> site_cinema;
  if (site < kCinemas.size()) site_cinema = site;
  agent::DropCounts drops;
  auto rows = agent::site_rows(page, {cinemas, site_cinema, asked.days, asked.zone}, movies,
                               movie_index, drops);
  FUZZ_CHECK(rows.rows.size() + static_cast<std::size_t>(rows.duplicates + drops.total()) ==
             page.screenings.size());
  FUZZ_CHECK(movies.size() <= 2 + page.screenings.size());
  for (const auto& m : movies) {
    FUZZ_CHECK(!m.title.in(cinestream::Lang::en).empty());
    check_url(m.image_url);
    FUZZ_CHECK(m.runtime.count() >= 0 && m.runtime.count() <= 720);
  }
  for (const auto& r : rows.rows) {
    FUZZ_CHECK(r.cinema < kCinemas.size());
    if (r.movie) FUZZ_CHECK(*r.movie < movies.size());
    cinestream::fuzz::check_row(r, asked);
  }
  return 0;
}
