// The catalogue's TMDB provider against the stand-in over loopback HTTP: a scraped film found by
// any of its titles (older namesakes and sequels in the way) with en/uk/ru overviews from TMDB's
// translations, nothing credible for an unknown title, a 429 burst waited out, and failures typed
// for the enricher: a refused key stops it after one request, garbage and stalls are transient.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "cinestream/tmdb/metadata_provider.hpp"
#include "cinestream/tmdb_sim/sim_server.hpp"
#include "support/catalog.hpp"

namespace cinestream::tmdb {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";

const tmdb_sim::World& world() {
  static const auto w = tmdb_sim::World::from_seed(11, testing::bundled_catalog(), 2026);
  return w;
}

// A film whose older namesake is more popular: only the year tells them apart.
const tmdb_sim::SimFilm& contested_film() {
  for (const auto& f : world().films()) {
    if (f.decoy_of.empty()) continue;
    const auto* real = world().film_titled(f.decoy_of);
    if (f.en.title == real->en.title && f.popularity > real->popularity) return *real;
  }
  throw std::logic_error("the world has no contested film");
}

class TmdbProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmdb_sim::SimOptions o;
    o.api_key = kKey;
    sim_ = std::make_unique<tmdb_sim::SimServer>(world(), o);
    sim_->start("127.0.0.1", 0);
  }
  void TearDown() override { sim_->stop(); }

  std::unique_ptr<TmdbMetadataProvider> provider(std::string key = kKey, int max_attempts = 5,
                                                 std::chrono::milliseconds attempt = 5s) {
    ClientOptions o;
    o.base_url = sim_->base_url();
    o.credential = std::move(key);
    o.attempt_timeout = attempt;
    o.max_attempts = max_attempts;
    auto sleeper = [this](std::chrono::milliseconds d) -> asio::awaitable<void> {
      sleeps_.push_back(d);
      co_return;
    };
    return std::make_unique<TmdbMetadataProvider>(io_.get_executor(), o, sleeper,
                                                  [] { return 2026; });
  }
  void faults(const std::string& json_text) {
    sim_->set_faults(tmdb_sim::parse_faults(json::parse(json_text).as_object()));
  }
  std::optional<catalog::FilmMetadata> lookup(catalog::MetadataProvider& p, catalog::Film film) {
    auto fut = asio::co_spawn(io_, p.lookup(std::move(film)), asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }
  // The failure a lookup throws (fails the test when it does not).
  catalog::MetadataFailure failure_of(catalog::MetadataProvider& p, catalog::Film film) {
    try {
      lookup(p, std::move(film));
    } catch (const catalog::MetadataError& e) {
      return e.failure();
    }
    ADD_FAILURE() << "the lookup did not fail";
    return catalog::MetadataFailure::transient;
  }
  static catalog::Film scraped(std::string en, std::string uk = {}) {
    catalog::Film f;
    f.id = 7;
    f.title.en = std::move(en);
    f.title.uk = std::move(uk);
    return f;
  }

  std::unique_ptr<tmdb_sim::SimServer> sim_;
  asio::io_context io_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

void expect_is(const std::optional<catalog::FilmMetadata>& m, const tmdb_sim::SimFilm& film) {
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tmdb_id, film.id);
  EXPECT_EQ(m->imdb_id, film.imdb_id);
  EXPECT_EQ(m->title.en, film.en.title);
  EXPECT_EQ(m->title.uk, film.uk.title);
  EXPECT_EQ(m->title.ru, film.ru.title);
  EXPECT_EQ(m->overview.en, film.en.overview);
  EXPECT_EQ(m->overview.ua, film.uk.overview);
  EXPECT_EQ(m->overview.ru, film.ru.overview);
  EXPECT_FALSE(m->overview.en.empty());
  EXPECT_FALSE(m->overview.ua.empty());
  EXPECT_FALSE(m->overview.ru.empty());
  EXPECT_EQ(m->year, film.year);
  EXPECT_EQ(m->runtime_minutes, film.runtime);
  EXPECT_EQ(m->genres.size(), film.genre_ids.size());
  EXPECT_EQ(m->age_rating, film.cert_ua.empty() ? film.cert_us : film.cert_ua);
  EXPECT_TRUE(m->poster_url.ends_with(film.poster_path)) << m->poster_url;
}

TEST_F(TmdbProviderTest, FindsTheFilmPlayingNowNotItsOlderNamesake) {
  auto p = provider();
  const auto& film = contested_film();
  // The scrapes do not know the year: a film in cinemas is taken for a recent one.
  expect_is(lookup(*p, scraped(film.en.title)), film);
  // Known only by its Ukrainian title, searched in Ukrainian.
  expect_is(lookup(*p, scraped("", film.uk.title)), film);
  EXPECT_LE(p->calls_made(), 2 * p->max_calls_per_lookup());
  EXPECT_FALSE(lookup(*p, scraped("Entirely Unknown Picture")));
  EXPECT_TRUE(sleeps_.empty());
}

// Every film in cinemas, by its English title alone: "A and B" beside "B and A", sequels, older
// namesakes, and single-word titles whose first page of results is full of other films.
TEST_F(TmdbProviderTest, EveryFilmPlayingNowIsFoundByItsTitle) {
  auto p = provider();
  std::size_t films = 0, wrong = 0;
  for (const auto& film : world().films()) {
    if (!film.decoy_of.empty()) continue;
    ++films;
    auto m = lookup(*p, scraped(film.en.title));
    if (!m || m->tmdb_id != film.id) {
      ++wrong;
      ADD_FAILURE() << film.en.title << " (" << film.year << ") found as "
                    << (m ? fmt::format("{} ({})", m->title.en, m->year) : "nothing");
    }
  }
  EXPECT_GT(films, 20u);
  EXPECT_EQ(wrong, 0u);
}

TEST_F(TmdbProviderTest, ARateLimitBurstIsWaitedOutAndCharged) {
  auto p = provider();
  faults(R"({"burst_429": 2, "retry_after_s": 2})");
  const auto& film = contested_film();
  expect_is(lookup(*p, scraped(film.en.title)), film);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_GE(sleeps_[0], 2s);  // Retry-After honoured
  // Every request counts against the enricher's budget, the refused ones too.
  EXPECT_EQ(p->calls_made(), sim_->stats().calls);
}

TEST_F(TmdbProviderTest, ARefusedKeyStopsTheProviderAfterOneRequest) {
  auto p = provider("ffffffffffffffffffffffffffff0000");
  EXPECT_EQ(failure_of(*p, scraped(contested_film().en.title)), catalog::MetadataFailure::provider);
  EXPECT_EQ(p->calls_made(), 1);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TmdbProviderTest, GarbageAndStallsAreTransient) {
  auto p = provider(kKey, 2, 300ms);
  faults(R"({"malformed_rate": 1})");
  EXPECT_EQ(failure_of(*p, scraped(contested_film().en.title)),
            catalog::MetadataFailure::transient);
  faults(R"({"stall_rate": 1, "stall_ms": 2000})");
  EXPECT_EQ(failure_of(*p, scraped(contested_film().en.title)),
            catalog::MetadataFailure::transient);
  faults("{}");
  expect_is(lookup(*p, scraped(contested_film().en.title)), contested_film());
}

}  // namespace
}  // namespace cinestream::tmdb
