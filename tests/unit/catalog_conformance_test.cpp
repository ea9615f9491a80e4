// The film catalogue (include/cinestream/catalog/*) and the store's film links
// (include/cinestream/store/film_link_repository.hpp) held to one suite on both backends, like
// store_conformance_test.cpp: SQLite, and MongoDB (CINESTREAM_TEST_MONGO_URI or the wire-protocol
// peer of tests/support/mongo_peer.hpp).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <deque>
#include <set>

#include "cinestream/catalog/catalog_store.hpp"
#include "cinestream/catalog/film_enricher.hpp"
#include "cinestream/catalog/film_ids.hpp"
#include "cinestream/catalog/film_linker.hpp"
#include "cinestream/store/mongo_store.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/mongo_peer.hpp"
#include "support/sample_data.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using catalog::Film;
using catalog::FilmQuery;
using testing::test_locations;
using testing::test_movie;
using testing::test_theater;
using testing::utc;

struct Backend {
  std::string name;
  bool mongo = false;
};

void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

std::string mongo_uri_for(const std::string& dir) {
  return testing::mongo_target().uri(
      fmt::format("cs_catalog_{}_{:x}", ::getpid(), std::hash<std::string>{}(dir)));
}

const SysSeconds kNow = utc(2026, 12, 1, 9, 0);

FilmQuery query(std::size_t offset, std::size_t limit, void (*fill)(FilmQuery&) = nullptr) {
  FilmQuery q;
  q.offset = offset;
  q.limit = limit;
  if (fill) fill(q);
  return q;
}

Movie playing(std::string en, std::string ua, std::string ru, int day) {
  auto m =
      test_movie(std::move(en), std::move(ua),
                 {test_theater("Oscar", "Main St 1", {{utc(2026, 12, day, 18, 0), "2D", "", ""}})});
  m.title.ru = std::move(ru);
  return m;
}

class CatalogConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().mongo) CINESTREAM_SKIP_WITHOUT_MONGO();
    db_ = GetParam().mongo ? make_mongo_store({mongo_uri_for(dir_.str()), "", 4})
                           : make_sqlite_store(dir_.str() + "/test.sqlite3", 4);
    db_->ensure_schema();
    catalog::migrate_catalog(*db_);
    db_->locations().seed_locations(test_locations());
    films_ = catalog::make_film_repository(*db_);
  }
  void TearDown() override {
    films_.reset();
    if (GetParam().mongo && db_) {
      db_.reset();
      testing::drop_database(mongo_uri_for(dir_.str()));
    }
  }
  catalog::LinkReport link() { return catalog::link_pending(*films_, db_->film_links(), kNow); }
  std::int64_t version(const std::string& city) {
    for (const auto& s : db_->locations().location_states())
      if (s.city_id == city) return s.data_version;
    return -1;
  }
  std::map<std::string, std::int64_t> film_of(const std::string& city) {
    std::map<std::string, std::int64_t> out;
    for (const auto& m : db_->showtimes().movies_between(city, kNow, kNow + std::chrono::days(14)))
      out[m.title.en.empty() ? m.title.ua : m.title.en] = m.film_id;
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<catalog::FilmRepository> films_;
};

TEST_P(CatalogConformance, MigratesUnderItsOwnNameOnce) {
  auto again = catalog::migrate_catalog(*db_);
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.to, catalog::kCatalogSchemaVersion);
}

TEST_P(CatalogConformance, NewCityMoviesAreUnlinkedUntilTheLinkerRuns) {
  db_->showtimes().merge_movies("kyiv", {playing("Dune: Part Two", "Дюна: Частина друга", "", 2)},
                                kNow);
  EXPECT_EQ(db_->film_links().unlinked_movies(10).size(), 1u);
  EXPECT_EQ(film_of("kyiv").at("Dune: Part Two"), 0);
  auto before = version("kyiv");
  auto r = link();
  EXPECT_EQ(r.created, 1u);
  EXPECT_TRUE(db_->film_links().unlinked_movies(10).empty());
  auto film = film_of("kyiv").at("Dune: Part Two");
  EXPECT_NE(film, 0);
  // The link is data of the city: its cached pages must go.
  EXPECT_GT(version("kyiv"), before);
  auto stored = films_->find(film);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->title.en, "Dune: Part Two");
  EXPECT_EQ(stored->title.uk, "Дюна: Частина друга");
  EXPECT_EQ(stored->overview.en, "About Dune: Part Two");
  // Nothing left: a second pass changes nothing.
  auto again = link();
  EXPECT_EQ(again.created + again.linked, 0u);
}

TEST_P(CatalogConformance, TheSameFilmInTwoCitiesUnderOtherTitlesIsOneFilm) {
  db_->showtimes().merge_movies(
      "kyiv",
      {playing("Dune: Part Two", "Дюна: Частина друга", "Дюна: Часть вторая", 2),
       playing("Paddington in Peru", "Паддінгтон у Перу", "", 3)},
      kNow);
  link();
  // Lviv's answer had only the Ukrainian title for one and a different English spelling for
  // the other; a third film is new.
  db_->showtimes().merge_movies(
      "lviv",
      {playing("", "Дюна: Частина друга", "", 2), playing("Dune - Part Two", "", "", 4),
       playing("Paddington in Peru!", "", "", 3), playing("Anora", "Анора", "", 3)},
      kNow);
  auto r = link();
  EXPECT_EQ(r.created, 1u);
  EXPECT_EQ(r.linked, 3u);
  auto kyiv = film_of("kyiv");
  auto lviv = film_of("lviv");
  EXPECT_EQ(lviv.at("Дюна: Частина друга"), kyiv.at("Dune: Part Two"));
  EXPECT_EQ(lviv.at("Dune - Part Two"), kyiv.at("Dune: Part Two"));
  EXPECT_EQ(lviv.at("Paddington in Peru!"), kyiv.at("Paddington in Peru"));
  EXPECT_NE(lviv.at("Anora"), kyiv.at("Dune: Part Two"));
  EXPECT_EQ(films_->all_current().size(), 3u);
}

TEST_P(CatalogConformance, ASequelIsNotTheFirstFilm) {
  db_->showtimes().merge_movies("kyiv", {playing("Dune", "Дюна", "", 2)}, kNow);
  link();
  db_->showtimes().merge_movies("lviv", {playing("Dune: Part Two", "", "", 2)}, kNow);
  EXPECT_EQ(link().created, 1u);
  EXPECT_NE(film_of("kyiv").at("Dune"), film_of("lviv").at("Dune: Part Two"));
}

TEST_P(CatalogConformance, CreatingAFilmTwiceMakesOne) {
  Film f;
  f.id = catalog::film_id_for({"Anora", "", "", ""});
  f.title.en = "Anora";
  f.created_at = f.updated_at = kNow;
  EXPECT_TRUE(films_->create(f));
  f.title.en = "Anora (again)";
  EXPECT_FALSE(films_->create(f));
  EXPECT_EQ(films_->find(f.id)->title.en, "Anora");
}

TEST_P(CatalogConformance, CompletingFillsOnlyWhatIsMissing) {
  Film f;
  f.id = 42;
  f.title.en = "Anora";
  f.overview.en = "Scraped overview";
  f.created_at = f.updated_at = kNow;
  films_->create(f);
  Film known;
  known.title.en = "ANORA (2024)";
  known.title.uk = "Анора";
  known.overview.en = "Another overview";
  known.overview.ru = "Обзор";
  known.year = 2024;
  known.runtime_minutes = 139;
  known.genres = {"Drama", "Comedy"};
  known.tmdb_id = 1064213;
  films_->complete(42, known, kNow);
  auto got = films_->find(42);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title.en, "Anora");
  EXPECT_EQ(got->title.uk, "Анора");
  EXPECT_EQ(got->overview.en, "Scraped overview");
  EXPECT_EQ(got->overview.ru, "Обзор");
  EXPECT_EQ(got->year, 2024);
  EXPECT_EQ(got->runtime_minutes, 139);
  EXPECT_EQ(got->genres, (std::vector<std::string>{"Drama", "Comedy"}));
  EXPECT_EQ(got->tmdb_id, 1064213);
}

TEST_P(CatalogConformance, ListFiltersAndPagesInAStableOrder) {
  for (int i = 0; i < 25; ++i) {
    Film f;
    f.id = 1000 + i;
    f.title.en = fmt::format("Film {:02}", 24 - i);  // ids and titles in opposite orders
    f.title.uk = fmt::format("Фільм {:02}", 24 - i);
    f.year = 2000 + i % 3;
    f.genres = {i % 2 ? "Drama" : "Comedy"};
    f.created_at = f.updated_at = kNow;
    films_->create(f);
  }
  std::vector<std::string> seen;
  for (std::size_t offset = 0; offset < 30; offset += 10) {
    auto page = films_->list(query(offset, 10));
    EXPECT_EQ(page.total, 25u);
    for (const auto& f : page.films)
      seen.push_back(f.title.en);
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);

  EXPECT_EQ(films_->list(query(0, 100, [](FilmQuery& q) { q.genre = "drama"; })).total, 12u);
  EXPECT_EQ(films_->list(query(0, 100, [](FilmQuery& q) { q.year = 2001; })).total, 8u);
  auto text = films_->list(
      query(0, 100, [](FilmQuery& q) { q.text = catalog::film_search_key("ФІЛЬМ 0"); }));
  EXPECT_EQ(text.total, 10u);  // Фільм 00..09
  auto by_id = films_->list(query(0, 100, [](FilmQuery& q) {
    q.ids = std::vector<std::int64_t>{1000, 1003, 99};
  }));
  EXPECT_EQ(by_id.total, 2u);
  EXPECT_EQ(
      films_->list(query(0, 100, [](FilmQuery& q) { q.ids = std::vector<std::int64_t>{}; })).total,
      0u);
  // Text is a literal, not a pattern.
  EXPECT_EQ(films_->list(query(0, 100, [](FilmQuery& q) { q.text = ".*"; })).total, 0u);
}

TEST_P(CatalogConformance, MergingMovesEveryLinkAndDropsTheCitiesPages) {
  // The English title in one city, the Ukrainian translation of it in the other: no name
  // matching can tell they are one film; an admin can.
  db_->showtimes().merge_movies("kyiv", {playing("Flow", "", "", 2)}, kNow);
  db_->showtimes().merge_movies("lviv", {playing("", "Потік", "", 2)}, kNow);
  link();
  auto a = film_of("kyiv").at("Flow");
  auto b = film_of("lviv").at("Потік");
  ASSERT_NE(a, b);
  auto kyiv_before = version("kyiv");
  auto lviv_before = version("lviv");
  EXPECT_EQ(db_->film_links().relink(b, a), 1u);
  EXPECT_TRUE(films_->mark_merged(b, a, kNow));
  EXPECT_EQ(film_of("lviv").at("Потік"), a);
  EXPECT_EQ(version("kyiv"), kyiv_before);
  EXPECT_GT(version("lviv"), lviv_before);
  EXPECT_EQ(films_->find(b)->merged_into, a);
  EXPECT_EQ(films_->all_current().size(), 1u);
  EXPECT_EQ(films_->list(query(0, 10)).total, 1u);
  auto places = db_->film_links().places(a, kNow);
  ASSERT_EQ(places.size(), 2u);
  EXPECT_EQ(places[0].city_id, "kyiv");
  EXPECT_EQ(places[0].upcoming_showtimes, 1);
  EXPECT_EQ(places[1].city_id, "lviv");
}

TEST_P(CatalogConformance, FilmsPlayingInACityCountOnlyUpcomingShowtimes) {
  db_->showtimes().merge_movies(
      "kyiv", {playing("Anora", "Анора", "", 2), playing("Flow", "Потік", "", 5)}, kNow);
  link();
  auto now_playing = db_->film_links().films_playing("kyiv", kNow);
  EXPECT_EQ(now_playing.size(), 2u);
  // After Anora's only showtime (Dec 2) only Flow is still to come.
  auto later = db_->film_links().films_playing("kyiv", utc(2026, 12, 3, 0, 0));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0], film_of("kyiv").at("Flow"));
  EXPECT_TRUE(db_->film_links().films_playing("lviv", kNow).empty());
}

TEST_P(CatalogConformance, AMergeOfTheCityKeepsTheLink) {
  db_->showtimes().merge_movies("kyiv", {playing("Anora", "Анора", "", 2)}, kNow);
  link();
  auto film = film_of("kyiv").at("Anora");
  // A later scrape adds showtimes to the same city movie: the link stays.
  db_->showtimes().merge_movies("kyiv", {playing("Anora", "Анора", "", 4)}, kNow);
  EXPECT_EQ(film_of("kyiv").at("Anora"), film);
  EXPECT_TRUE(db_->film_links().unlinked_movies(10).empty());
}

// Enrichment: the state on the film, what is due, and what a provider's answer may change.

Film scraped_film(std::int64_t id, std::string en) {
  Film f;
  f.id = id;
  f.title.en = std::move(en);
  f.overview.en = "What the scrape said";
  f.poster_url = "https://cinema.example/poster.jpg";
  f.poster_path = "/posters/aaaa.jpg";
  f.created_at = f.updated_at = kNow;
  return f;
}

catalog::FilmMetadata tmdb_answer() {
  catalog::FilmMetadata m;
  m.title = {"Anora", "Anora", "Анора", "Анора"};
  m.year = 2024;
  m.runtime_minutes = 139;
  m.genres = {"Drama", "Comedy"};
  m.overview = {"A young escort marries.", "Молода ескортниця одружується.", ""};
  m.poster_url = "https://image.tmdb.org/t/p/w500/anora.jpg";
  m.age_rating = "18+";
  m.tmdb_id = 1064213;
  m.imdb_id = "tt28607951";
  return m;
}

TEST_P(CatalogConformance, NewFilmsAreDueForEnrichmentUntilAnOutcomeIsRecorded) {
  films_->create(scraped_film(1, "Anora"));
  films_->create(scraped_film(2, "Flow"));
  films_->create(scraped_film(3, "Conclave"));
  films_->create(scraped_film(4, "The Brutalist"));
  films_->mark_merged(4, 1, kNow);  // merged films are never looked up
  auto due = films_->due_for_enrichment(kNow, 10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].id, 1);
  EXPECT_EQ(due[0].enrichment.status, catalog::EnrichStatus::pending);
  EXPECT_EQ(films_->due_for_enrichment(kNow, 2).size(), 2u);

  catalog::FilmEnrichment done{catalog::EnrichStatus::not_found, "tmdb", kNow, 0, {}};
  EXPECT_TRUE(films_->record_enrichment(2, nullptr, "", done, kNow));
  catalog::FilmEnrichment later{catalog::EnrichStatus::retry, "tmdb", kNow, 2,
                                kNow + std::chrono::minutes(10)};
  EXPECT_TRUE(films_->record_enrichment(3, nullptr, "", later, kNow));
  EXPECT_FALSE(films_->record_enrichment(99, nullptr, "", done, kNow));

  due = films_->due_for_enrichment(kNow, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, 1);
  // The retry comes due once its time has come, and keeps its attempts.
  due = films_->due_for_enrichment(kNow + std::chrono::minutes(10), 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[1].id, 3);  // pending films (never looked up) come first
  EXPECT_EQ(due[1].enrichment.status, catalog::EnrichStatus::retry);
  EXPECT_EQ(due[1].enrichment.attempts, 2);
  EXPECT_EQ(due[1].enrichment.next_attempt_at, kNow + std::chrono::minutes(10));
  auto flow = films_->find(2);
  EXPECT_EQ(flow->enrichment.status, catalog::EnrichStatus::not_found);
  EXPECT_EQ(flow->enrichment.source, "tmdb");
  EXPECT_EQ(flow->enrichment.enriched_at, kNow);
  EXPECT_EQ(flow->overview.en, "What the scrape said");
}

TEST_P(CatalogConformance, AnAnswerReplacesScrapedFieldsButNeverBlanksOne) {
  films_->create(scraped_film(1, "ANORA"));
  auto answer = tmdb_answer();
  catalog::FilmEnrichment ok{catalog::EnrichStatus::enriched, "tmdb", kNow, 0, {}};
  // The poster was not downloaded: the scraped one stays, URL and file together.
  ASSERT_TRUE(films_->record_enrichment(1, &answer, "", ok, kNow));
  auto got = films_->find(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title.en, "Anora");
  EXPECT_EQ(got->title.uk, "Анора");
  EXPECT_EQ(got->overview.en, "A young escort marries.");
  EXPECT_EQ(got->overview.ua, "Молода ескортниця одружується.");
  EXPECT_EQ(got->overview.ru, "");
  EXPECT_EQ(got->year, 2024);
  EXPECT_EQ(got->runtime_minutes, 139);
  EXPECT_EQ(got->genres, (std::vector<std::string>{"Drama", "Comedy"}));
  EXPECT_EQ(got->age_rating, "18+");
  EXPECT_EQ(got->tmdb_id, 1064213);
  EXPECT_EQ(got->imdb_id, "tt28607951");
  EXPECT_EQ(got->poster_url, "https://cinema.example/poster.jpg");
  EXPECT_EQ(got->poster_path, "/posters/aaaa.jpg");
  EXPECT_EQ(got->enrichment.status, catalog::EnrichStatus::enriched);
  // Found by title search afterwards under the reference's titles.
  EXPECT_EQ(films_->list(query(0, 10, [](FilmQuery& q) { q.text = "анора"; })).total, 1u);

  // An answer with empty fields (a garbled one) blanks nothing; a downloaded poster replaces the
  // old one as a pair.
  catalog::FilmMetadata empty;
  empty.poster_url = "https://image.tmdb.org/t/p/w500/new.jpg";
  ASSERT_TRUE(films_->record_enrichment(1, &empty, "/posters/bbbb.jpg", ok, kNow));
  got = films_->find(1);
  EXPECT_EQ(got->title.en, "Anora");
  EXPECT_EQ(got->overview.en, "A young escort marries.");
  EXPECT_EQ(got->genres.size(), 2u);
  EXPECT_EQ(got->year, 2024);
  EXPECT_EQ(got->tmdb_id, 1064213);
  EXPECT_EQ(got->poster_url, "https://image.tmdb.org/t/p/w500/new.jpg");
  EXPECT_EQ(got->poster_path, "/posters/bbbb.jpg");

  // A later scrape completing the film changes neither the answer nor the state.
  Film scrape = scraped_film(1, "Anora (scraped)");
  scrape.overview.ru = "Из скрейпа";
  films_->complete(1, scrape, kNow);
  got = films_->find(1);
  EXPECT_EQ(got->title.en, "Anora");
  EXPECT_EQ(got->overview.ru, "Из скрейпа");
  EXPECT_EQ(got->enrichment.status, catalog::EnrichStatus::enriched);
}

// A provider that answers from a script, one step per lookup.
class ScriptedProvider final : public catalog::MetadataProvider {
 public:
  struct Step {
    std::optional<catalog::FilmMetadata> found;
    std::optional<catalog::MetadataFailure> failure;
    int calls = 1;
  };
  std::string_view name() const override { return "scripted"; }
  int max_calls_per_lookup() const override { return 2; }
  std::int64_t calls_made() const override { return calls_; }
  boost::asio::awaitable<std::optional<catalog::FilmMetadata>> lookup(Film film) override {
    looked_up.push_back(film.id);
    if (script.empty()) throw std::logic_error("the script ran out");
    auto step = script.front();
    script.pop_front();
    calls_ += step.calls;
    if (step.failure) throw catalog::MetadataError(*step.failure, "scripted failure");
    co_return step.found;
  }
  std::deque<Step> script;
  std::vector<std::int64_t> looked_up;

 private:
  std::int64_t calls_ = 0;
};

class EnricherConformance : public CatalogConformance {
 protected:
  void SetUp() override {
    CatalogConformance::SetUp();
    if (IsSkipped()) return;
    store_ = std::make_unique<catalog::CatalogStore>(
        catalog::CatalogStore{std::move(films_), &db_->film_links(), &db_->showtimes()});
  }
  void TearDown() override {
    store_.reset();
    CatalogConformance::TearDown();
  }
  catalog::FilmRepository& films() { return *store_->films; }
  std::unique_ptr<catalog::FilmEnricher> enricher(int budget,
                                                  catalog::PosterDownload posters = {}) {
    catalog::EnricherOptions o;
    o.budget_per_hour = budget;
    o.batch = 10;
    o.first_retry = std::chrono::minutes(5);
    o.max_attempts = 3;
    o.clock = [this] { return now_; };
    return std::make_unique<catalog::FilmEnricher>(Async<catalog::CatalogStore>(*store_, pool_),
                                                   provider_, o, std::move(posters));
  }
  catalog::EnrichReport pass(catalog::FilmEnricher& e) {
    auto fut = boost::asio::co_spawn(io_, e.enrich_due(), boost::asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }

  boost::asio::io_context io_;
  BlockingPool pool_{2, 64};
  std::unique_ptr<catalog::CatalogStore> store_;
  ScriptedProvider provider_;
  SysSeconds now_ = kNow;
};

TEST_P(EnricherConformance, EachOutcomeIsRecordedAndTransientFailuresBackOff) {
  for (int id = 1; id <= 4; ++id)
    films().create(scraped_film(id, fmt::format("Film {}", id)));
  provider_.script = {{tmdb_answer(), {}, 1},
                      {std::nullopt, {}, 1},
                      {std::nullopt, catalog::MetadataFailure::film, 1},
                      {std::nullopt, catalog::MetadataFailure::transient, 2}};
  std::vector<std::string> poster_urls;
  auto e =
      enricher(600, [&](std::string url) -> boost::asio::awaitable<std::optional<std::string>> {
        poster_urls.push_back(url);
        co_return "/posters/cccc.jpg";
      });
  auto r = pass(*e);
  EXPECT_EQ(r.enriched, 1u);
  EXPECT_EQ(r.not_found, 1u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.retry, 1u);
  EXPECT_EQ(poster_urls, std::vector<std::string>{"https://image.tmdb.org/t/p/w500/anora.jpg"});
  auto one = films().find(1);
  EXPECT_EQ(one->enrichment.status, catalog::EnrichStatus::enriched);
  EXPECT_EQ(one->enrichment.source, "scripted");
  EXPECT_EQ(one->overview.ua, "Молода ескортниця одружується.");
  EXPECT_EQ(one->poster_path, "/posters/cccc.jpg");
  EXPECT_EQ(films().find(2)->enrichment.status, catalog::EnrichStatus::not_found);
  EXPECT_EQ(films().find(3)->enrichment.status, catalog::EnrichStatus::failed);
  auto four = films().find(4);
  EXPECT_EQ(four->enrichment.status, catalog::EnrichStatus::retry);
  EXPECT_EQ(four->enrichment.attempts, 1);
  EXPECT_EQ(four->enrichment.next_attempt_at, kNow + std::chrono::minutes(5));
  EXPECT_EQ(four->overview.en, "What the scrape said");  // a failure blanks nothing

  // Not due before its backoff; then twice the wait; given up after max_attempts.
  r = pass(*e);
  EXPECT_EQ(r.retry + r.failed + r.enriched + r.not_found, 0u);
  now_ += std::chrono::minutes(5);
  provider_.script = {{std::nullopt, catalog::MetadataFailure::transient, 1}};
  r = pass(*e);
  EXPECT_EQ(r.retry, 1u);
  EXPECT_EQ(films().find(4)->enrichment.next_attempt_at, now_ + std::chrono::minutes(10));
  now_ += std::chrono::minutes(10);
  provider_.script = {{std::nullopt, catalog::MetadataFailure::transient, 1}};
  r = pass(*e);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(films().find(4)->enrichment.status, catalog::EnrichStatus::failed);
  EXPECT_EQ(provider_.looked_up, (std::vector<std::int64_t>{1, 2, 3, 4, 4, 4}));
  EXPECT_NE(e->render_metrics().find("cinestream_catalog_enrich_total{outcome=\"enriched\"} 1"),
            std::string::npos);
}

TEST_P(EnricherConformance, TheBudgetBoundsCallsPerHour) {
  for (int id = 1; id <= 6; ++id)
    films().create(scraped_film(id, fmt::format("Film {}", id)));
  for (int i = 0; i < 6; ++i)
    provider_.script.push_back({std::nullopt, {}, 2});
  auto e = enricher(5);  // room for two lookups of at most 2 calls each
  auto r = pass(*e);
  EXPECT_EQ(r.not_found, 2u);
  EXPECT_TRUE(r.budget_exhausted);
  EXPECT_EQ(pass(*e).not_found, 0u);
  now_ += std::chrono::minutes(59);
  EXPECT_EQ(pass(*e).not_found, 0u);
  now_ += std::chrono::minutes(1);  // an hour after the first calls: room again
  EXPECT_EQ(pass(*e).not_found, 2u);
  EXPECT_EQ(films().due_for_enrichment(now_, 10).size(), 2u);
  EXPECT_NE(e->render_metrics().find("cinestream_catalog_enrich_budget_exhausted_total 4"),
            std::string::npos);
}

TEST_P(EnricherConformance, AProviderThatCannotWorkStopsWithoutMarkingFilms) {
  for (int id = 1; id <= 3; ++id)
    films().create(scraped_film(id, fmt::format("Film {}", id)));
  provider_.script = {{std::nullopt, catalog::MetadataFailure::provider, 1}};
  auto e = enricher(600);
  auto r = pass(*e);
  EXPECT_TRUE(r.provider_disabled);
  EXPECT_TRUE(e->disabled());
  EXPECT_EQ(films().due_for_enrichment(now_, 10).size(), 3u);
  // No retry storm: later passes ask nothing.
  pass(*e);
  pass(*e);
  EXPECT_EQ(provider_.looked_up.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EnricherConformance,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(Backends, CatalogConformance,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"mongodb", true}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace cinestream
