// The sites-first plan on the stand-in world with its cinemas' websites served on loopback:
// what the sites publish is read, validated and merged, the model is asked only for the cinemas
// and days they left uncovered, and the result still matches the truth.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "cinestream/agent/scraper.hpp"
#include "cinestream/agent/site_reader.hpp"
#include "cinestream/gemini_sim/scoring.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/catalog.hpp"
#include "support/temp_dir.hpp"

namespace cinestream::agent {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

const CityCatalog& catalog() {
  return testing::bundled_catalog();
}

// Midnight in Lviv: the sites publish the 14 days the scrape asks for.
SysSeconds scrape_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(
      date::sys_days{date::floor<date::days>(std::chrono::system_clock::now())} + date::days{1} -
      2h);
}

class SitesScrapeTest : public ::testing::Test {
 protected:
  void start(gemini_sim::SiteOptions sites, const std::string& faults = "{}") {
    gemini_sim::SimOptions o;
    o.world.seed = 5;
    o.api_key = "k";
    o.serve_sites = true;
    o.sites = sites;
    o.sites.slow_delay = 3s;
    o.today = local_date(catalog().zone(city()), now_);
    o.faults = gemini_sim::parse_faults(json::parse(faults).as_object());
    sim_ = std::make_unique<gemini_sim::SimServer>(catalog(), o);
    sim_->start("127.0.0.1", 0);
    client_options_.base_url = sim_->base_url();
    client_options_.api_key = "k";
    client_options_.initial_backoff = 10ms;
    client_options_.max_attempts = 8;
    client_ = std::make_unique<gemini::Client>(http_, client_options_, meter_, limiter_);
    reader_options_.allow_loopback = true;
    reader_options_.delay = 5ms;
    reader_options_.page_timeout = 1s;
    reader_options_.cpu = &cpu_;
    shared_ = std::make_unique<SiteReaderShared>(reader_options_);
    reader_ = std::make_unique<SiteReader>(io_.get_executor(), reader_options_, *shared_);
  }
  void TearDown() override {
    pool_.stop();
    cpu_.stop();
    if (sim_) sim_->stop();
  }
  struct Store {
    explicit Store(const std::string& path) : db(make_sqlite_store(path, 4)) {
      db->ensure_schema();
      db->locations().seed_locations(catalog().all());
    }
    std::unique_ptr<Database> db;
    ScrapeStore repos = scrape_store_of(*db);
  };
  ScrapeReport scrape(Store& store, bool read_sites, ScrapeOptions options = {}) {
    options.read_sites = read_sites;
    ScraperHooks hooks;
    hooks.now = [this] { return now_; };
    Async<ScrapeStore> async{store.repos, pool_};
    Scraper scraper(*client_, async, catalog(), options, hooks, reader_.get());
    auto fut = asio::co_spawn(io_, scraper.run(city()), asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }
  gemini_sim::Score score(Store& store) const {
    auto zone = catalog().zone(city());
    auto movies = store.db->showtimes().movies_between("lviv", now_ - 48h, now_ + 30 * 24h);
    return gemini_sim::score(sim_->service().world(), city(), zone, local_date(zone, now_), 14,
                             movies);
  }
  const Location& city() const { return *catalog().resolve("lviv"); }

  testing::TempDir dir_;
  std::unique_ptr<gemini_sim::SimServer> sim_;
  BlockingPool pool_{2, 256};
  BlockingPool cpu_{1, 256, "cpu"};
  asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  gemini::UsageMeter meter_;
  gemini::CallLimiter limiter_{8};
  gemini::ClientOptions client_options_;
  std::unique_ptr<gemini::Client> client_;
  SiteReaderOptions reader_options_;
  std::unique_ptr<SiteReaderShared> shared_;
  std::unique_ptr<SiteReader> reader_;
  SysSeconds now_ = scrape_now();
};

TEST_F(SitesScrapeTest, HalfTheSitesStructuredHalveTheGroundedCallsAtTheSameQuality) {
  start({});
  Store model(dir_.str() + "/model.sqlite3"), sites(dir_.str() + "/sites.sqlite3");
  auto alone = scrape(model, false);
  auto first = scrape(sites, true);
  EXPECT_EQ(first.days_covered.size(), 14u) << first.error;
  EXPECT_EQ(alone.progress.sites.read, 0);
  const auto& s = first.progress.sites;
  // Every site was read once and ended one way; the structured ones gave rows.
  auto cinemas = static_cast<int>(sim_->service().world().cinemas(city()).size());
  EXPECT_EQ(s.read, cinemas);
  EXPECT_EQ(s.structured + s.partial + s.none + s.failing + s.disallowed, cinemas);
  int structured_kinds = 0;
  for (int i = 0; i < cinemas; ++i)
    structured_kinds +=
        gemini_sim::is_structured(sim_->sites().kind_of(city(), static_cast<std::size_t>(i)));
  EXPECT_EQ(s.structured, structured_kinds);
  EXPECT_GT(s.rows, 0);
  EXPECT_EQ(s.cinema_days, structured_kinds * 14);
  EXPECT_GT(first.progress.model_rows, 0);  // the other cinemas came from the model
  EXPECT_LE(first.progress.usage.grounded_calls * 2, alone.progress.usage.grounded_calls)
      << "units " << first.progress.units_total << ", asked again " << first.progress.units_reasked
      << ", dropped " << first.progress.dropped.total() << " (unknown cinema "
      << first.progress.dropped.unknown_cinema << ", outside days "
      << first.progress.dropped.outside_days << ", malformed " << first.progress.dropped.malformed
      << "), names asked " << first.progress.names.asked << ", calls "
      << first.progress.usage.calls;
  EXPECT_GT(s.calls_saved, 0);
  auto q = score(sites);
  EXPECT_GE(q.recall(), 0.99);
  EXPECT_GE(q.precision(), 0.995);
  // Polite: nothing robots.txt disallows was asked for.
  for (const auto& [host, st] : sim_->sites().stats())
    EXPECT_EQ(st.disallowed, 0) << host;
}

TEST_F(SitesScrapeTest, DaysEverySiteCoveredNeedNoModelCall) {
  gemini_sim::SiteOptions o;
  o.only_kind = gemini_sim::SiteKind::jsonld_defective;
  start(o);
  Store store(dir_.str() + "/s.sqlite3");
  auto report = scrape(store, true);
  EXPECT_EQ(report.days_covered.size(), 14u) << report.error;
  // Only the cinemas were asked for; the sites named the movies and every showtime.
  EXPECT_EQ(report.progress.usage.grounded_calls, 1);
  EXPECT_EQ(report.progress.model_rows, 0);
  auto q = score(store);
  EXPECT_GE(q.recall(), 0.99);
  EXPECT_GE(q.precision(), 0.995);
}

TEST_F(SitesScrapeTest, SitesWithoutDataAreRememberedAndSkippedNextTime) {
  gemini_sim::SiteOptions o;
  o.only_kind = gemini_sim::SiteKind::html_only;
  start(o);
  Store store(dir_.str() + "/s.sqlite3");
  auto first = scrape(store, true);
  EXPECT_EQ(first.progress.sites.none, first.progress.sites.read);
  EXPECT_GT(first.progress.sites.read, 0);
  ScrapeOptions again;
  again.full_refresh = true;
  auto second = scrape(store, true, again);
  EXPECT_EQ(second.progress.sites.read, 0);
  EXPECT_EQ(second.progress.sites.skipped, first.progress.sites.read);
  EXPECT_EQ(second.days_covered.size(), 14u);
}

TEST_F(SitesScrapeTest, ClosedFailingAndPrivateRedirectingSitesFallBackToTheModel) {
  for (auto kind : {gemini_sim::SiteKind::disallow, gemini_sim::SiteKind::failing,
                    gemini_sim::SiteKind::redirect_private, gemini_sim::SiteKind::slow,
                    gemini_sim::SiteKind::huge}) {
    SCOPED_TRACE(std::string(gemini_sim::site_kind_name(kind)));
    gemini_sim::SiteOptions o;
    o.only_kind = kind;
    start(o);
    Store store(dir_.str() + "/" + std::string(gemini_sim::site_kind_name(kind)) + ".sqlite3");
    auto report = scrape(store, true);
    EXPECT_EQ(report.days_covered.size(), 14u) << report.error;
    const auto& s = report.progress.sites;
    // A huge site's home page may still carry today's screenings; its programme is over the limit.
    if (kind != gemini_sim::SiteKind::huge) {
      EXPECT_EQ(s.rows, 0);
      EXPECT_EQ(s.structured, 0);
    }
    EXPECT_GT(s.failing + s.disallowed + s.none + s.partial, 0);
    if (kind == gemini_sim::SiteKind::disallow) {
      EXPECT_EQ(s.disallowed, s.read);
    }
    auto q = score(store);
    EXPECT_GE(q.recall(), 0.99);
    EXPECT_GE(q.precision(), 0.995);
    for (const auto& [host, st] : sim_->sites().stats()) {
      EXPECT_EQ(st.disallowed, 0) << host;
      if (kind == gemini_sim::SiteKind::disallow) {
        EXPECT_EQ(st.requests, 1) << host;  // robots.txt only
      }
    }
  }
}

}  // namespace
}  // namespace cinestream::agent
