// The TMDB client against the stand-in over loopback HTTP: search, details in three languages,
// posters, both credential schemes, failures typed (auth and not found at once, without a retry),
// 429 retried after Retry-After, 503 and dropped connections retried, unreadable answers, the
// deadline, and the credential kept out of messages. Waits between attempts are recorded, never
// slept.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <sstream>

#include "cinestream/tmdb/client.hpp"
#include "cinestream/tmdb_sim/sim_server.hpp"
#include "support/catalog.hpp"

namespace cinestream::tmdb {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";
const std::string kToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsInN1YiI6InRl"
    "c3QiLCJzY29wZXMiOlsiYXBpX3JlYWQiXSwidmVyc2lvbiI6MX0.dGVzdC1zaWduYXR1cmUtb2YtdGhlLXN0YW5kLWlu";

const tmdb_sim::World& world() {
  static const auto w = tmdb_sim::World::from_seed(11, testing::bundled_catalog(), 2026);
  return w;
}

class TmdbClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmdb_sim::SimOptions o;
    o.api_key = kKey;
    o.read_token = kToken;
    sim_ = std::make_unique<tmdb_sim::SimServer>(world(), o);
    sim_->start("127.0.0.1", 0);
  }
  void TearDown() override { sim_->stop(); }

  ClientOptions options(std::string credential = kKey) {
    ClientOptions o;
    o.base_url = sim_->base_url();
    o.credential = std::move(credential);
    o.attempt_timeout = 5s;
    o.initial_backoff = 100ms;
    return o;
  }
  Client client(ClientOptions o) { return Client(http_, std::move(o), limiter_, recorder()); }
  void faults(const std::string& json_text) {
    sim_->set_faults(tmdb_sim::parse_faults(json::parse(json_text).as_object()));
  }
  gemini::Sleeper recorder() {
    return [this](std::chrono::milliseconds d) -> asio::awaitable<void> {
      sleeps_.push_back(d);
      co_return;
    };
  }
  template <class T>
  T run(asio::awaitable<T> coro) {
    auto fut = asio::co_spawn(io_, std::move(coro), asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }
  // The error a call throws (fails the test when it does not).
  template <class T>
  TmdbError error_of(asio::awaitable<T> coro) {
    try {
      run(std::move(coro));
    } catch (const TmdbError& e) {
      return e;
    }
    ADD_FAILURE() << "the call did not fail";
    return TmdbError(ErrorKind::config, 0, 0, "");
  }
  // A film whose older namesake is more popular, so only the year tells them apart; an "A and B"
  // title, so that its search's first page holds every film with those words.
  static const tmdb_sim::SimFilm& contested_film() { return *contested().first; }
  static const tmdb_sim::SimFilm& namesake() { return *contested().second; }
  static std::pair<const tmdb_sim::SimFilm*, const tmdb_sim::SimFilm*> contested() {
    for (const auto& f : world().films()) {
      if (f.decoy_of.empty() || f.decoy_of.find(" and ") == std::string::npos) continue;
      const auto* real = world().film_titled(f.decoy_of);
      if (f.en.title == real->en.title && f.popularity > real->popularity) return {real, &f};
    }
    throw std::logic_error("the world has no contested film");
  }

  std::unique_ptr<tmdb_sim::SimServer> sim_;
  asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  gemini::CallLimiter limiter_{4};
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(TmdbClientTest, SearchFindsTheGeminiFilmsByTitleAndYear) {
  auto c = client(options());
  const auto& film = contested_film();
  // Other films whose titles hold the same words may come too: the film is among them.
  auto results = run(c.search_movie(film.en.title, film.year, "en-US"));
  auto it = std::find_if(results.begin(), results.end(),
                         [&](const SearchResult& r) { return r.id == film.id; });
  ASSERT_NE(it, results.end());
  EXPECT_EQ(it->title, film.en.title);
  EXPECT_EQ(it->year, film.year);
  EXPECT_EQ(it->poster_path, film.poster_path);
  EXPECT_TRUE(std::all_of(results.begin(), results.end(),
                          [&](const SearchResult& r) { return r.year == film.year; }));
  // Without the year the older namesake comes before it (more popular), and only the year
  // lets the picker tell them apart.
  auto all = run(c.search_movie(film.en.title, std::nullopt, "en-US"));
  auto index_of = [&](std::int64_t id) {
    return std::find_if(all.begin(), all.end(), [&](const SearchResult& r) { return r.id == id; }) -
           all.begin();
  };
  ASSERT_LT(index_of(film.id), static_cast<std::ptrdiff_t>(all.size()));
  EXPECT_LT(index_of(namesake().id), index_of(film.id));
  auto pick = best_match({film.en.title, film.year, {}}, all);
  ASSERT_TRUE(pick);
  EXPECT_EQ(all[*pick].id, film.id);
  auto blind = best_match({film.en.title, {}, {}}, all);
  ASSERT_TRUE(blind);
  EXPECT_EQ(all[*blind].id, namesake().id);
  auto found = run(c.find_movie({film.en.title, film.year + 1, {}}));  // a year out still finds it
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, film.id);
  EXPECT_FALSE(run(c.find_movie({"Entirely Unknown Picture", 2026, {}})));
  // In Ukrainian, by the Ukrainian title.
  auto uk = run(c.search_movie(film.uk.title, film.year, "uk-UA"));
  auto uk_it =
      std::find_if(uk.begin(), uk.end(), [&](const SearchResult& r) { return r.id == film.id; });
  ASSERT_NE(uk_it, uk.end());
  EXPECT_EQ(uk_it->title, film.uk.title);
  EXPECT_EQ(uk_it->overview, film.uk.overview);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TmdbClientTest, DetailsInThreeLanguagesWithPoster) {
  auto c = client(options());
  const auto* film = world().film_titled(contested_film().en.title);
  auto d = run(c.movie_details(film->id));
  EXPECT_EQ(d.id, film->id);
  EXPECT_EQ(d.en.title, film->en.title);
  EXPECT_EQ(d.uk.title, film->uk.title);
  EXPECT_EQ(d.ru.title, film->ru.title);
  EXPECT_EQ(d.en.overview, film->en.overview);
  EXPECT_EQ(d.uk.overview, film->uk.overview);
  EXPECT_EQ(d.ru.overview, film->ru.overview);
  EXPECT_FALSE(d.uk.overview.empty());
  EXPECT_EQ(d.runtime, film->runtime);
  EXPECT_EQ(d.year, film->year);
  EXPECT_EQ(d.imdb_id, film->imdb_id);
  EXPECT_EQ(d.age_rating, film->cert_ua.empty() ? film->cert_us : film->cert_ua);
  ASSERT_EQ(d.genres.size(), film->genre_ids.size());
  EXPECT_EQ(d.genres[0], tmdb_sim::genre_name(film->genre_ids[0]));
  EXPECT_EQ(d.poster_url,
            fmt::format("{}/t/p/w500{}", sim_->base_url().substr(0, sim_->base_url().size() - 2),
                        film->poster_path));
  net::HttpRequest get;
  get.url = d.poster_url;
  auto poster = run(http_.request(get));
  EXPECT_EQ(poster.status, 200u);
  EXPECT_EQ(poster.header("Content-Type"), "image/png");
  EXPECT_TRUE(poster.body.starts_with("\x89PNG\r\n\x1a\n"));
  // The configuration is asked for once.
  run(c.movie_details(film->id));
  EXPECT_EQ(sim_->stats().configurations, 1);
  EXPECT_EQ(sim_->stats().details, 2);
}

TEST_F(TmdbClientTest, BearerTokenAuthenticates) {
  auto c = client(options(kToken));
  const auto& film = contested_film();
  EXPECT_EQ(run(c.movie_details(film.id)).id, film.id);
}

TEST_F(TmdbClientTest, BadCredentialFailsAtOnceWithoutTheKeyInMessages) {
  std::ostringstream logs;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logs);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  const std::string wrong = "ffffffffffffffffffffffffffff0000";
  auto c = client(options(wrong));
  auto e = error_of(c.search_movie("River", std::nullopt, "en-US"));
  EXPECT_EQ(e.kind(), ErrorKind::auth);
  EXPECT_EQ(e.http_status(), 401);
  EXPECT_EQ(e.status_code(), 7);
  EXPECT_EQ(c.stats().attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(std::string(e.what()).find(wrong), std::string::npos) << e.what();
  // A wrong bearer token too; and messages of retried failures never carry the key.
  auto bad_token = kToken.substr(0, kToken.size() - 4) + "AAAA";
  auto t = client(options(bad_token));
  EXPECT_EQ(error_of(t.configuration()).kind(), ErrorKind::auth);
  faults(R"({"burst_503": 2})");
  auto ok = client(options());
  run(ok.configuration());
  spdlog::set_default_logger(previous);
  EXPECT_NE(logs.str().find("retrying"), std::string::npos);
  EXPECT_EQ(logs.str().find(kKey), std::string::npos);
  EXPECT_EQ(logs.str().find(wrong), std::string::npos);
  // No credential at all is a configuration error, before any request.
  auto none = client(options(""));
  EXPECT_EQ(error_of(none.configuration()).kind(), ErrorKind::config);
}

TEST_F(TmdbClientTest, RateLimitWaitsForRetryAfter) {
  faults(R"({"burst_429": 2, "retry_after_s": 3})");
  auto c = client(options());
  auto cfg = run(c.configuration());
  EXPECT_FALSE(cfg.secure_base_url.empty());
  ASSERT_EQ(sleeps_.size(), 2u);
  for (auto s : sleeps_)
    EXPECT_GE(s, 3s);
  EXPECT_EQ(c.stats().attempts, 3);
  // Past the deadline the wait is not started: rate_limited.
  faults(R"({"burst_429": 1, "retry_after_s": 120})");
  auto o = options();
  o.total_deadline = 10s;
  auto short_deadline = client(o);
  auto e = error_of(short_deadline.search_movie("River", std::nullopt, "en-US"));
  EXPECT_EQ(e.kind(), ErrorKind::rate_limited);
  EXPECT_EQ(e.http_status(), 429);
}

TEST_F(TmdbClientTest, UnavailableAndDroppedConnectionsAreRetried) {
  faults(R"({"burst_503": 2})");
  auto c = client(options());
  const auto& film = contested_film();
  EXPECT_EQ(run(c.movie_details(film.id)).id, film.id);
  EXPECT_EQ(sleeps_.size(), 2u);
  for (auto s : sleeps_)
    EXPECT_LT(s, 3s);  // backoff, no Retry-After
  sleeps_.clear();
  faults(R"({"burst_drop": 1})");
  auto results = run(c.search_movie(film.en.title, film.year, "en-US"));
  auto pick = best_match({film.en.title, film.year, {}}, results);
  ASSERT_TRUE(pick);
  EXPECT_EQ(results[*pick].id, film.id);
  EXPECT_EQ(sleeps_.size(), 1u);
  // Always unavailable: the last error after every attempt.
  faults(R"({"rate_503": 1})");
  auto o = options();
  o.max_attempts = 3;
  auto e = error_of(client(o).search_movie("River", std::nullopt, "en-US"));
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  EXPECT_EQ(e.http_status(), 503);
  EXPECT_EQ(e.status_code(), 9);
}

TEST_F(TmdbClientTest, UnknownFilmIsNotFoundAtOnce) {
  auto c = client(options());
  auto e = error_of(c.movie_details(9));
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_EQ(e.http_status(), 404);
  EXPECT_EQ(e.status_code(), 34);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TmdbClientTest, MalformedAnswers) {
  faults(R"({"burst_malformed": 1})");
  auto c = client(options());
  EXPECT_FALSE(run(c.configuration()).poster_sizes.empty());  // one bad answer is retried
  EXPECT_EQ(sleeps_.size(), 1u);
  faults(R"({"malformed_rate": 1})");
  auto o = options();
  o.max_attempts = 2;
  auto e = error_of(client(o).search_movie("River", std::nullopt, "en-US"));
  EXPECT_EQ(e.kind(), ErrorKind::malformed);
  EXPECT_EQ(e.http_status(), 200);
}

TEST_F(TmdbClientTest, SlowAnswerTimesOut) {
  faults(R"({"burst_stall": 1, "stall_ms": 3000})");
  auto o = options();
  o.attempt_timeout = 300ms;
  o.max_attempts = 1;
  auto e = error_of(client(o).configuration());
  EXPECT_EQ(e.kind(), ErrorKind::timeout);
  // The next attempt is not stalled: with a retry the call succeeds.
  faults(R"({"burst_stall": 1, "stall_ms": 3000})");
  o.max_attempts = 2;
  auto c = client(o);
  EXPECT_FALSE(run(c.configuration()).secure_base_url.empty());
  EXPECT_EQ(c.stats().retries, 1);
}

}  // namespace
}  // namespace cinestream::tmdb
