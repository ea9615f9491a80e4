// The stand-in's cinema websites: what each kind of site serves, read back by the agent's site
// reader (schema.org extraction and site rows) and compared with the world's showtimes, and the
// sites on HTTP behind the stand-in's port, told apart by Host.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <deque>
#include <regex>
#include <set>
#include <tuple>

#include "cinestream/agent/page_markup.hpp"
#include "cinestream/agent/robots_txt.hpp"
#include "cinestream/agent/schema_screenings.hpp"
#include "cinestream/agent/site_schedule.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"
#include "cinestream/gemini_sim/sim_service.hpp"
#include "cinestream/gemini_sim/sim_sites.hpp"
#include "support/catalog.hpp"

namespace cinestream::gemini_sim {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const CityCatalog& catalog() {
  return testing::bundled_catalog();
}

const Location& city(std::string_view id) {
  return *catalog().resolve(id);
}

constexpr std::uint16_t kPort = 8080;
const date::year_month_day kToday = date::year{2026} / 12 / 2;

SimOptions options(std::optional<SiteKind> kind, std::uint64_t seed = 3) {
  SimOptions o;
  o.world.seed = seed;
  o.world.site_port = kPort;
  o.today = kToday;
  o.serve_sites = true;
  o.sites.only_kind = kind;
  return o;
}

struct Page {
  std::string path;
  SiteReply reply;
};

std::string host_of(const Location& c, const SimService& sim, std::size_t i) {
  return sim_site_host(c, sim.world().cinemas(c)[i].name) + ":" + std::to_string(kPort);
}

// A crawler as simple as can be: the site's own links from the home page, two levels deep, no
// path the site's robots.txt disallows (it only ever disallows /admin and /cart? here).
std::vector<Page> crawl(SiteService& sites, const std::string& host) {
  std::vector<Page> out;
  std::set<std::string> seen{"/"};
  std::deque<std::pair<std::string, int>> queue{{"/", 0}};
  static const std::regex href(R"re(href="([^"]*)")re");
  while (!queue.empty() && out.size() < 40) {
    auto [path, depth] = queue.front();
    queue.pop_front();
    auto reply = sites.serve(host, path, {});
    if (reply.status == 200 && depth < 2) {
      for (std::sregex_iterator it(reply.body.begin(), reply.body.end(), href), end; it != end;
           ++it) {
        auto link = agent::decode_html_entities((*it)[1].str());
        if (!link.starts_with("/") || link.starts_with("//") || link.starts_with("/admin") ||
            link.starts_with("/css"))
          continue;
        if (seen.insert(link).second) queue.emplace_back(link, depth + 1);
      }
    }
    out.push_back({path, std::move(reply)});
  }
  return out;
}

// A showtime as the store identifies it, plus its hall.
using Key =
    std::tuple<std::size_t, std::size_t, std::int64_t, std::string, std::string, std::string>;

std::string world_hall(std::string hall) {
  if (hall.starts_with("Зал ")) hall = "Hall " + hall.substr(std::string("Зал ").size());
  return hall;
}

struct Reading {
  std::set<Key> found;
  int duplicates = 0;
  agent::DropCounts drops;
  int pages = 0;
};

Reading read_site(SimService& sim, SiteService& sites, const Location& c, std::size_t i) {
  const auto* zone = catalog().zone(c);
  auto cinemas = sim.world().cinemas(c);
  auto films = sim.world().movies(c);
  std::vector<std::string> places{c.name.en, c.name.ua, c.name.ru};
  agent::NameIndex cinema_index(false, places);
  for (std::size_t k = 0; k < cinemas.size(); ++k)
    cinema_index.add(k, cinemas[k].name, cinemas[k].address, cinemas[k].website);
  std::vector<agent::MovieInfo> movies;
  agent::NameIndex movie_index(true);
  for (std::size_t k = 0; k < films.size(); ++k) {
    movies.push_back({films[k].title, films[k].description, "", std::chrono::minutes{0}});
    for (const auto* t : {&films[k].title.en, &films[k].title.ua, &films[k].title.ru})
      movie_index.add(k, *t);
  }
  std::set<std::string> days;
  for (int d = 0; d < 14; ++d)
    days.insert(format_iso_date(date::year_month_day{date::sys_days{kToday} + date::days{d}}));
  Reading out;
  auto base = cinemas[i].website;
  base.pop_back();
  for (const auto& p : crawl(sites, host_of(c, sim, i))) {
    if (p.reply.status != 200) continue;
    ++out.pages;
    auto page = agent::extract_screenings(p.reply.body, base + p.path);
    auto rows =
        agent::site_rows(page, {cinema_index, i, days, zone}, movies, movie_index, out.drops);
    out.duplicates += rows.duplicates;
    for (const auto& r : rows.rows) {
      out.found.emplace(r.cinema, r.movie.value_or(999), r.start.time_since_epoch().count(),
                        r.format, r.language, world_hall(r.hall));
    }
  }
  return out;
}

std::set<Key> truth_of(const SimService& sim, const Location& c, std::size_t i) {
  std::set<Key> out;
  for (int d = 0; d < 14; ++d) {
    date::year_month_day day{date::sys_days{kToday} + date::days{d}};
    for (const auto& s : sim.world().showtimes(c, catalog().zone(c), day)) {
      if (s.cinema != i) continue;
      out.emplace(s.cinema, s.movie, s.start.time_since_epoch().count(), s.format, s.language,
                  s.hall);
    }
  }
  return out;
}

TEST(SimSites, WebsiteAddresses) {
  WorldOptions plain;
  World a(plain);
  auto kyiv = a.cinemas(city("kyiv"));
  EXPECT_TRUE(kyiv[0].website.starts_with("https://"));
  EXPECT_TRUE(kyiv[0].website.ends_with(".example"));
  World b(plain);
  b.set_site_port(4321);
  auto served = b.cinemas(city("kyiv"));
  ASSERT_EQ(served.size(), kyiv.size());
  std::set<std::string> sites;
  for (const auto& c : served) {
    EXPECT_TRUE(c.website.starts_with("http://")) << c.website;
    EXPECT_TRUE(c.website.ends_with("-kyiv.localhost:4321/")) << c.website;
    sites.insert(c.website);
  }
  for (const auto& c : b.cinemas(city("lviv")))
    sites.insert(c.website);
  EXPECT_EQ(sites.size(), served.size() * 2);  // a host per cinema per city

  EXPECT_TRUE(SiteService::is_site_host("oskar-lavina-kyiv.localhost:4321"));
  EXPECT_TRUE(SiteService::is_site_host("Oskar-Lavina-Kyiv.LOCALHOST"));
  EXPECT_FALSE(SiteService::is_site_host("localhost:4321"));
  EXPECT_FALSE(SiteService::is_site_host("127.0.0.1:4321"));
  EXPECT_FALSE(SiteService::is_site_host("example.com"));
}

TEST(SimSites, KindsAreDeterministicAndAboutHalfStructured) {
  SimService sim(catalog(), options(std::nullopt)), again(catalog(), options(std::nullopt));
  SimService other(catalog(), options(std::nullopt, 4));
  SiteService sites(sim, {}), sites_again(again, {}), sites_other(other, {});
  std::set<SiteKind> kinds;
  bool differs = false;
  for (auto id : {"kyiv", "lviv", "odesa", "kharkiv", "berlin"}) {
    const auto& c = city(id);
    int structured = 0;
    for (std::size_t i = 0; i < 10; ++i) {
      auto k = sites.kind_of(c, i);
      EXPECT_EQ(k, sites_again.kind_of(c, i));
      differs = differs || k != sites_other.kind_of(c, i);
      structured += is_structured(k);
      kinds.insert(k);
    }
    EXPECT_EQ(structured, 5) << id;
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(kinds.size(), 9u);  // every kind somewhere
  SiteOptions most;
  most.structured_share = 0.8;
  SiteService mostly(sim, most);
  int structured = 0;
  for (std::size_t i = 0; i < 10; ++i)
    structured += is_structured(mostly.kind_of(city("kyiv"), i));
  EXPECT_EQ(structured, 8);
  for (auto k : {SiteKind::jsonld, SiteKind::huge, SiteKind::redirect_private}) {
    EXPECT_EQ(parse_site_kind(site_kind_name(k)), k);
  }
}

// The structured kinds publish exactly the world's screenings of the cinema, and the agent's site
// reader finds every one of them, with their formats, languages and halls, and nothing else.
TEST(SimSites, StructuredSitesPublishTheTruth) {
  for (auto kind : {SiteKind::jsonld, SiteKind::jsonld_defective, SiteKind::microdata}) {
    SCOPED_TRACE(site_kind_name(kind));
    SimService sim(catalog(), options(kind));
    SiteService sites(sim, sim.options().sites);
    int duplicates = 0, multi_page = 0;
    for (auto id : {"kyiv", "lviv", "berlin"}) {
      const auto& c = city(id);
      for (std::size_t i = 0; i < 10; ++i) {
        SCOPED_TRACE(fmt::format("{} #{}", id, i));
        auto truth = truth_of(sim, c, i);
        auto read = read_site(sim, sites, c, i);
        EXPECT_GT(truth.size(), 20u);
        EXPECT_EQ(read.found, truth);
        EXPECT_EQ(read.drops.total(), 0);
        duplicates += read.duplicates;
        multi_page += read.pages > 10;
      }
    }
    if (kind == SiteKind::jsonld_defective) {
      EXPECT_GT(duplicates, 0);
    }
    EXPECT_GT(multi_page, 0);  // some sites have a page per day
    for (const auto& [host, st] : sites.stats()) {
      EXPECT_EQ(st.disallowed, 0) << host;
    }
  }
}

TEST(SimSites, DefectiveSitesCarryRealDefects) {
  SimService sim(catalog(), options(SiteKind::jsonld_defective));
  SiteService sites(sim, sim.options().sites);
  std::string all;
  for (std::size_t i = 0; i < 10; ++i) {
    for (const auto& p : crawl(sites, host_of(city("kyiv"), sim, i)))
      all += p.reply.body;
  }
  for (std::string_view defect : {".000Z+02:00\"", "// generated", ",}", "&#32;", "\"PT",
                                  "\"Organization\"", "\"BreadcrumbList\""}) {
    EXPECT_NE(all.find(defect), std::string::npos) << defect;
  }
  // Languages as names or codes, not only ISO 639-1.
  bool names = all.find("\"Українська\"") != std::string::npos ||
               all.find("\"uk-UA\"") != std::string::npos ||
               all.find("\"ukr\"") != std::string::npos;
  EXPECT_TRUE(names);
}

TEST(SimSites, HtmlOnlySitesHaveNoStructuredData) {
  SimService sim(catalog(), options(SiteKind::html_only));
  SiteService sites(sim, sim.options().sites);
  const auto& c = city("kyiv");
  auto films = sim.world().movies(c);
  for (std::size_t i = 0; i < 10; ++i) {
    bool titled = false;
    for (const auto& p : crawl(sites, host_of(c, sim, i))) {
      auto markup = agent::read_page_markup(p.reply.body);
      EXPECT_TRUE(markup.json_ld.empty()) << p.path;
      EXPECT_TRUE(markup.microdata.empty()) << p.path;
      for (const auto& m : films)
        titled = titled || p.reply.body.find(m.title.ua) != std::string::npos ||
                 p.reply.body.find(m.title.ru) != std::string::npos ||
                 p.reply.body.find(">" + m.title.en + "<") != std::string::npos;
    }
    EXPECT_TRUE(titled) << i;  // the schedule is there, for people
  }
}

TEST(SimSites, ConditionalRequests) {
  SimService sim(catalog(), options(SiteKind::jsonld));
  SiteService sites(sim, sim.options().sites);
  auto host = host_of(city("kyiv"), sim, 0);
  auto first = sites.serve(host, "/", {});
  ASSERT_EQ(first.status, 200u);
  EXPECT_FALSE(first.etag.empty());
  EXPECT_FALSE(first.last_modified.empty());
  auto same = sites.serve(host, "/", {.if_none_match = first.etag});
  EXPECT_EQ(same.status, 304u);
  EXPECT_TRUE(same.body.empty());
  auto since = sites.serve(host, "/", {.if_modified_since = first.last_modified});
  EXPECT_EQ(since.status, 304u);
  auto stale = sites.serve(host, "/", {.if_none_match = "\"0000\""});
  EXPECT_EQ(stale.status, 200u);
  auto older = sites.serve(host, "/", {.if_modified_since = "Mon, 01 Jan 2024 00:00:00 GMT"});
  EXPECT_EQ(older.status, 200u);
  auto schedule = sites.serve(host, sites.schedule_path(city("kyiv"), 0), {});
  EXPECT_EQ(schedule.status, 200u);
  EXPECT_NE(schedule.etag, first.etag);
  auto st =
      sites.stats().at(sim_site_host(city("kyiv"), sim.world().cinemas(city("kyiv"))[0].name));
  EXPECT_EQ(st.requests, 6);
  EXPECT_EQ(st.not_modified, 2);
  EXPECT_EQ(st.disallowed, 0);
}

TEST(SimSites, RobotsPerKind) {
  const auto& c = city("kyiv");
  {
    SimService sim(catalog(), options(SiteKind::disallow));
    SiteService sites(sim, sim.options().sites);
    auto host = host_of(c, sim, 1);
    auto robots = sites.serve(host, "/robots.txt", {});
    ASSERT_EQ(robots.status, 200u);
    auto rules = agent::RobotsTxt::parse(robots.body, "CineStreamBot");
    EXPECT_FALSE(rules.allowed("/"));
    EXPECT_FALSE(rules.allowed(sites.schedule_path(c, 1)));
    EXPECT_EQ(sites.serve(host, "/", {}).status, 200u);  // there, but not to be crawled
    auto st = sites.stats().begin()->second;
    EXPECT_EQ(st.disallowed, 1);
    EXPECT_EQ(st.requests, 2);
  }
  {
    SimService sim(catalog(), options(SiteKind::failing));
    SiteService sites(sim, sim.options().sites);
    auto host = host_of(c, sim, 2);
    EXPECT_EQ(sites.serve(host, "/robots.txt", {}).status, 404u);
    EXPECT_GE(sites.serve(host, "/", {}).status, 500u);
  }
  {
    SimService sim(catalog(), options(SiteKind::jsonld));
    SiteService sites(sim, sim.options().sites);
    int delays = 0, admin = 0, sitemaps = 0;
    for (std::size_t i = 0; i < 10; ++i) {
      auto robots = sites.serve(host_of(c, sim, i), "/robots.txt", {});
      ASSERT_EQ(robots.status, 200u);
      auto rules = agent::RobotsTxt::parse(robots.body, "CineStreamBot");
      EXPECT_TRUE(rules.allowed("/"));
      EXPECT_TRUE(rules.allowed(sites.schedule_path(c, i)));
      delays += rules.crawl_delay().has_value();
      admin += !rules.allowed("/admin/login");
      sitemaps += robots.body.find("\nSitemap: http://") != std::string::npos;
      // Following /admin on a site that disallows it is counted.
      sites.serve(host_of(c, sim, i), "/admin/login", {});
    }
    EXPECT_GT(delays, 0);
    EXPECT_GT(admin, 0);
    EXPECT_GT(sitemaps, 0);
    std::int64_t disallowed = 0;
    for (const auto& [host, st] : sites.stats())
      disallowed += st.disallowed;
    EXPECT_EQ(disallowed, admin);
  }
}

bool is_private_address(std::string_view url) {
  for (std::string_view prefix :
       {"http://10.", "http://169.254.", "http://192.168.", "http://127."})
    if (url.starts_with(prefix)) return true;
  return false;
}

TEST(SimSites, RedirectsToPrivateAddresses) {
  SimService sim(catalog(), options(SiteKind::redirect_private));
  SiteService sites(sim, sim.options().sites);
  std::set<std::string> targets;
  for (std::size_t i = 0; i < 10; ++i) {
    auto home = sites.serve(host_of(city("kyiv"), sim, i), "/", {});
    EXPECT_EQ(home.status, 302u);
    EXPECT_TRUE(is_private_address(home.location)) << home.location;
    targets.insert(home.location);
  }
  EXPECT_EQ(targets.size(), 2u);
}

TEST(SimSites, HugeAndSlowPages) {
  const auto& c = city("kyiv");
  {
    SimService sim(catalog(), options(SiteKind::huge));
    SiteService sites(sim, sim.options().sites);
    int with_data = 0;
    for (std::size_t i = 0; i < 10; ++i) {
      auto page = sites.serve(host_of(c, sim, i), sites.schedule_path(c, i), {});
      ASSERT_EQ(page.status, 200u);
      EXPECT_GT(page.body.size(), 8u << 20);
      with_data += page.body.find("application/ld+json") != std::string::npos;
      EXPECT_LT(sites.serve(host_of(c, sim, i), "/", {}).body.size(), 64u << 10);
    }
    EXPECT_GT(with_data, 0);
    EXPECT_LT(with_data, 10);
  }
  {
    auto o = options(SiteKind::slow);
    o.sites.slow_delay = 1234ms;
    SimService sim(catalog(), o);
    SiteService sites(sim, sim.options().sites);
    EXPECT_EQ(sites.serve(host_of(c, sim, 0), "/", {}).delay, 1234ms);
    EXPECT_EQ(sites.serve(host_of(c, sim, 0), "/about", {}).delay, 1234ms);
  }
  SimService sim(catalog(), options(SiteKind::jsonld));
  SiteService sites(sim, sim.options().sites);
  EXPECT_EQ(sites.serve(host_of(c, sim, 0), "/", {}).delay, 0ms);
  EXPECT_EQ(sites.serve("nobody-kyiv.localhost:8080", "/", {}).status, 404u);
}

// One GET over a real connection, with the Host header of our choosing.
boost::beast::http::response<boost::beast::http::string_body> get(std::uint16_t port,
                                                                  const std::string& host,
                                                                  const std::string& target) {
  namespace bh = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  bh::request<bh::empty_body> req{bh::verb::get, target, 11};
  req.set(bh::field::host, host);
  req.set(bh::field::user_agent, "CineStreamBot/1.0");
  bh::write(stream, req);
  boost::beast::flat_buffer buffer;
  bh::response_parser<bh::string_body> parser;
  parser.body_limit(64u << 20);
  bh::read(stream, buffer, parser);
  return parser.release();
}

TEST(SimSites, ServedByHostOnTheStandInsPort) {
  auto o = options(SiteKind::jsonld);
  o.world.site_port = 0;  // set by start()
  SimServer server(catalog(), o);
  auto port = server.start("127.0.0.1", 0);
  const auto& c = city("kyiv");
  auto cinemas = server.service().world().cinemas(c);
  EXPECT_EQ(cinemas[0].website,
            fmt::format("http://{}:{}/", sim_site_host(c, cinemas[0].name), port));
  auto host = fmt::format("{}:{}", sim_site_host(c, cinemas[0].name), port);
  auto home = get(port, host, "/");
  EXPECT_EQ(home.result_int(), 200);
  EXPECT_NE(home.body().find("<nav"), std::string::npos);
  auto etag = std::string(home[boost::beast::http::field::etag]);
  EXPECT_FALSE(etag.empty());
  auto robots = get(port, host, "/robots.txt");
  EXPECT_EQ(robots.result_int(), 200);
  EXPECT_NE(robots.body().find("User-agent: *"), std::string::npos);
  // The API is still the API on a plain host; /sim/stats counts the site's requests.
  auto stats = get(port, fmt::format("127.0.0.1:{}", port), "/sim/stats");
  ASSERT_EQ(stats.result_int(), 200);
  auto doc = json::parse(stats.body()).as_object();
  const auto& site = doc.at("sites").as_object().at(sim_site_host(c, cinemas[0].name)).as_object();
  EXPECT_EQ(site.at("requests").as_int64(), 2);
  EXPECT_GT(site.at("bytes").as_int64(), 1000);
  EXPECT_EQ(site.at("user_agent").as_string(), "CineStreamBot/1.0");
  // A path the API has is the site's on a site host.
  EXPECT_EQ(get(port, host, "/sim/stats").result_int(), 404);
  server.stop();
}

}  // namespace
}  // namespace cinestream::gemini_sim
