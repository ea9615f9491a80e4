// The site reader against small sites served on loopback: which links it follows, what it
// extracts, and that it stays within robots.txt, its page, size, time and address limits, one
// request at a time per host, and asks again conditionally.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <fmt/format.h>

#include "cinestream/agent/site_links.hpp"
#include "cinestream/agent/site_reader.hpp"
#include "support/tiny_http_server.hpp"

namespace cinestream::agent {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using cinestream::testing::TinyHttpServer;
using cinestream::testing::TinyRequest;
using cinestream::testing::TinyResponse;

TEST(SiteLinks, ResolvesOnlyWebLinksWithoutFragments) {
  auto page = "https://kino.example/uk/afisha/";
  EXPECT_EQ(resolve_link(page, "2026-12-02#top"), "https://kino.example/uk/afisha/2026-12-02");
  EXPECT_EQ(resolve_link(page, "/rozklad?date=2026-12-03"),
            "https://kino.example/rozklad?date=2026-12-03");
  EXPECT_EQ(resolve_link(page, "//other.example/x"), "https://other.example/x");
  EXPECT_EQ(resolve_link(page, "HTTPS://Kino.example/A"), "https://Kino.example/A");
  EXPECT_FALSE(resolve_link(page, "mailto:info@kino.example"));
  EXPECT_FALSE(resolve_link(page, "javascript:alert(1)"));
  EXPECT_FALSE(resolve_link(page, "tel:+380441234567"));
  EXPECT_FALSE(resolve_link(page, "https://user:pw@kino.example/"));
  EXPECT_FALSE(resolve_link("not a url", "/x"));
}

TEST(SiteLinks, OneSiteAcrossWwwSchemesAndDefaultPorts) {
  EXPECT_EQ(site_key("https://www.Kino.example/a"), "kino.example");
  EXPECT_EQ(site_key("http://kino.example:80/"), "kino.example");
  EXPECT_EQ(site_key("https://kino.example:8443/"), "kino.example:8443");
  EXPECT_EQ(site_key("mailto:x@y"), "");
  EXPECT_TRUE(same_site_page("https://kino.example/", "http://www.kino.example/rozklad"));
  EXPECT_FALSE(same_site_page("https://kino.example/", "https://kino.example.evil.example/"));
  EXPECT_FALSE(same_site_page("https://kino.example/", "https://kino.example/poster.jpg"));
  EXPECT_FALSE(same_site_page("https://kino.example/", "https://kino.example/login"));
  EXPECT_FALSE(same_site_page("https://kino.example/", "http://10.0.0.5/"));
  EXPECT_EQ(path_and_query("https://kino.example/a/b?date=1"), "/a/b?date=1");
  EXPECT_EQ(path_and_query("https://kino.example"), "/");
}

TEST(SiteLinks, ProgrammeAndDayLinksInThreeLanguages) {
  auto kind = [](std::string_view url, std::string_view text) { return classify_link(url, text); };
  EXPECT_EQ(kind("https://k.example/page1", "Розклад сеансів"), LinkKind::programme);
  EXPECT_EQ(kind("https://k.example/p", "АФІША"), LinkKind::programme);
  EXPECT_EQ(kind("https://k.example/p", "Расписание"), LinkKind::programme);
  EXPECT_EQ(kind("https://k.example/p", "What's on"), LinkKind::programme);
  EXPECT_EQ(kind("https://k.example/seansy/", ""), LinkKind::programme);
  EXPECT_EQ(kind("https://k.example/schedule", "→"), LinkKind::programme);
  EXPECT_EQ(kind("https://k.example/afisha/2026-12-02", "Ср"), LinkKind::day);
  EXPECT_EQ(kind("https://k.example/schedule?date=2026-12-03", "Чт"), LinkKind::day);
  EXPECT_EQ(kind("https://k.example/x", "Завтра"), LinkKind::day);
  EXPECT_EQ(kind("https://k.example/x", "Пт 04.12"), LinkKind::day);
  EXPECT_EQ(kind("https://k.example/about", "Про нас"), LinkKind::other);
  EXPECT_EQ(kind("https://k.example/news/2026", "Новини"), LinkKind::other);
  EXPECT_EQ(kind("https://k.example/contacts", "Contacts"), LinkKind::other);
}

TEST(SiteLinks, PagesReportTheirLinks) {
  auto markup = read_page_markup(
      "<html><body><nav><a href='/afisha'> Афіша <b>кіно</b></a><a>no href</a>"
      "<a href=\"mailto:x@y\">Mail</a></nav></body></html>");
  ASSERT_EQ(markup.links.size(), 2u);
  EXPECT_EQ(markup.links[0].href, "/afisha");
  EXPECT_EQ(markup.links[0].text, "Афіша кіно");
  EXPECT_EQ(markup.links[1].href, "mailto:x@y");
}

std::string event_json(const std::string& day, const std::string& time) {
  return fmt::format(R"({{"@type":"ScreeningEvent","name":"Dune","startDate":"{}T{}:00+02:00",)"
                     R"("workPresented":{{"@type":"Movie","name":"Dune"}},)"
                     R"("location":{{"@type":"MovieTheater","name":"Kino Test"}}}})",
                     day, time);
}

std::string page(const std::string& body, const std::string& json = {}) {
  std::string script =
      json.empty() ? "" : "<script type=\"application/ld+json\">" + json + "</script>";
  return "<!doctype html><html lang=\"uk\"><head>" + script + "</head><body>" + body +
         "</body></html>";
}

TinyResponse html(std::string body) {
  TinyResponse r;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  r.body = std::move(body);
  return r;
}

// A site: a home page linking its programme among other links, the programme linking two days,
// each day's page carrying JSON-LD; optional robots.txt, ETags.
TinyResponse cinema_site(const TinyRequest& req, const std::string& robots = "") {
  auto t = req.target;
  if (t == "/robots.txt") {
    if (robots.empty()) return TinyResponse{404, {}, "", 0ms};
    return TinyResponse{200, {{"Content-Type", "text/plain"}}, robots, 0ms};
  }
  TinyResponse r;
  if (t == "/") {
    r =
        html(page("<a href='/about'>Про нас</a><a href='/rozklad/'>Розклад</a>"
                  "<a href='https://facebook.example/kino'>Facebook</a>"
                  "<a href='/logo.png'>logo</a><a href='mailto:a@b'>mail</a>"));
  } else if (t == "/rozklad/") {
    r =
        html(page("<a href='/rozklad/2026-12-02'>Ср 02.12</a>"
                  "<a href='/rozklad/2026-12-03'>Чт 03.12</a><a href='/news'>Новини</a>"));
  } else if (t == "/rozklad/2026-12-02" || t == "/rozklad/2026-12-03") {
    auto day = t.substr(t.size() - 10);
    r = html(
        page("<p>day</p>", "[" + event_json(day, "10:00") + "," + event_json(day, "19:30") + "]"));
  } else {
    return TinyResponse{404, {}, "not here", 0ms};
  }
  auto etag = "\"v1-" + std::to_string(std::hash<std::string>{}(t)) + "\"";
  if (req.header("if-none-match") == etag) return TinyResponse{304, {{"ETag", etag}}, "", 0ms};
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT");
  return r;
}

class SiteReaderTest : public ::testing::Test {
 protected:
  SiteReaderOptions options() {
    SiteReaderOptions o;
    o.allow_loopback = true;
    o.delay = 1ms;
    o.page_timeout = 2s;
    o.cpu = &cpu_;
    return o;
  }
  std::vector<SiteReading> read(SiteReaderShared& shared, SiteReaderOptions o,
                                std::vector<std::string> sites) {
    SiteReader reader(io_.get_executor(), std::move(o), shared);
    auto fut = asio::co_spawn(io_, reader.read(std::move(sites)), asio::use_future);
    io_.run();
    io_.restart();
    return fut.get();
  }
  SiteReading read_one(SiteReaderOptions o, std::string site) {
    SiteReaderShared shared(o);
    return read(shared, o, {std::move(site)}).front();
  }
  static std::vector<std::string> targets(const TinyHttpServer& server) {
    std::vector<std::string> out;
    for (const auto& r : server.requests())
      out.push_back(r.target);
    return out;
  }
  static std::size_t screenings(const SiteReading& r) {
    std::size_t n = 0;
    for (const auto& p : r.pages)
      n += p.screenings.size();
    return n;
  }

  asio::io_context io_;
  BlockingPool cpu_{1, 16, "cpu"};
};

TEST_F(SiteReaderTest, FollowsTheProgrammeToItsDaysAndReadsTheirScreenings) {
  TinyHttpServer server([](const TinyRequest& r) { return cinema_site(r); });
  auto site = fmt::format("http://kino-test.localhost:{}/", server.port());
  auto reading = read_one(options(), site);
  EXPECT_EQ(reading.outcome, SiteOutcome::structured) << reading.error;
  EXPECT_EQ(screenings(reading), 4u);
  auto asked = targets(server);
  EXPECT_EQ(asked, (std::vector<std::string>{"/robots.txt", "/", "/rozklad/", "/rozklad/2026-12-02",
                                             "/rozklad/2026-12-03"}));
  for (const auto& r : server.requests()) {
    EXPECT_NE(r.header("user-agent").find("CineStreamBot"), std::string::npos);
    EXPECT_EQ(r.header("host"), fmt::format("kino-test.localhost:{}", server.port()));
  }
  EXPECT_EQ(server.max_concurrent(), 1);
}

TEST_F(SiteReaderTest, AnUnchangedProgrammeCostsOnlyNotModifiedAnswers) {
  TinyHttpServer server([](const TinyRequest& r) { return cinema_site(r); });
  auto site = fmt::format("http://kino-test.localhost:{}/", server.port());
  auto o = options();
  SiteReaderShared shared(o);
  auto first = read(shared, o, {site}).front();
  auto second = read(shared, o, {site}).front();
  EXPECT_EQ(first.not_modified, 0);
  EXPECT_EQ(second.not_modified, 4);  // every page; robots.txt was cached
  EXPECT_EQ(screenings(second), screenings(first));
  EXPECT_EQ(second.outcome, SiteOutcome::structured);
  int conditional = 0;
  for (const auto& r : server.requests())
    conditional += !r.header("if-none-match").empty();
  EXPECT_EQ(conditional, 4);
}

TEST_F(SiteReaderTest, RobotsTxtIsObeyed) {
  {
    TinyHttpServer server(
        [](const TinyRequest& r) { return cinema_site(r, "User-agent: *\nDisallow: /\n"); });
    auto reading = read_one(options(), fmt::format("http://127.0.0.1:{}/", server.port()));
    EXPECT_EQ(reading.outcome, SiteOutcome::disallowed);
    EXPECT_EQ(targets(server), std::vector<std::string>{"/robots.txt"});
  }
  {
    TinyHttpServer server([](const TinyRequest& r) {
      return cinema_site(r, "User-agent: CineStreamBot\nDisallow: /rozklad/2026-12-03\n");
    });
    auto reading = read_one(options(), fmt::format("http://127.0.0.1:{}/", server.port()));
    EXPECT_EQ(reading.outcome, SiteOutcome::structured);
    EXPECT_EQ(screenings(reading), 2u);
    for (const auto& t : targets(server))
      EXPECT_NE(t, "/rozklad/2026-12-03");
  }
  {
    // A robots.txt that cannot be fetched (5xx): nothing is crawled.
    TinyHttpServer server([](const TinyRequest& r) {
      if (r.target == "/robots.txt") return TinyResponse{503, {}, "", 0ms};
      return cinema_site(r);
    });
    auto reading = read_one(options(), fmt::format("http://127.0.0.1:{}/", server.port()));
    EXPECT_EQ(reading.outcome, SiteOutcome::disallowed);
    EXPECT_EQ(targets(server), std::vector<std::string>{"/robots.txt"});
  }
}

TEST_F(SiteReaderTest, ARedirectToAPrivateAddressIsNotFollowed) {
  TinyHttpServer server([](const TinyRequest& r) {
    if (r.target == "/") return TinyResponse{302, {{"Location", "http://10.0.0.5/"}}, "", 0ms};
    if (r.target == "/meta")
      return TinyResponse{301, {{"Location", "http://169.254.169.254/latest/meta-data/"}}, "", 0ms};
    return cinema_site(r);
  });
  for (auto path : {"/", "/meta"}) {
    auto reading = read_one(options(), fmt::format("http://127.0.0.1:{}{}", server.port(), path));
    EXPECT_EQ(reading.outcome, SiteOutcome::failing);
    EXPECT_NE(reading.error.find("redirect"), std::string::npos) << reading.error;
  }
}

TEST_F(SiteReaderTest, LoopbackIsRefusedUnlessAllowed) {
  TinyHttpServer server([](const TinyRequest& r) { return cinema_site(r); });
  auto o = options();
  o.allow_loopback = false;
  auto reading = read_one(o, fmt::format("http://127.0.0.1:{}/", server.port()));
  EXPECT_NE(reading.outcome, SiteOutcome::structured);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(SiteReaderTest, SlowHugeAndEndlessSitesCostNoMoreThanTheirLimits) {
  {
    TinyHttpServer server([](const TinyRequest& r) {
      if (r.target == "/robots.txt") return TinyResponse{404, {}, "", 0ms};
      auto res = cinema_site(r);
      res.delay = 3s;
      return res;
    });
    auto o = options();
    o.page_timeout = 300ms;
    auto start = std::chrono::steady_clock::now();
    auto reading = read_one(o, fmt::format("http://127.0.0.1:{}/", server.port()));
    EXPECT_EQ(reading.outcome, SiteOutcome::failing);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  }
  {
    TinyHttpServer server([](const TinyRequest& r) {
      if (r.target == "/") {
        // Appended, not concatenated: GCC 12 at -O3 misreads the `+` chain (-Wrestrict).
        std::string events = "[";
        events.append(event_json("2026-12-02", "10:00")).append("]");
        std::string body(3u << 20, ' ');
        body.append(page("", events));
        return html(std::move(body));
      }
      return cinema_site(r);
    });
    auto o = options();
    o.max_page_bytes = 1u << 20;
    auto reading = read_one(o, fmt::format("http://127.0.0.1:{}/", server.port()));
    EXPECT_EQ(reading.outcome, SiteOutcome::failing);
    EXPECT_EQ(screenings(reading), 0u);
  }
  {
    // Every page links 30 more days: the crawl stops at max_pages.
    TinyHttpServer server([](const TinyRequest& r) {
      if (r.target == "/robots.txt") return TinyResponse{404, {}, "", 0ms};
      std::string links;
      for (int i = 0; i < 30; ++i)
        links += fmt::format("<a href='/schedule?date=2026-12-{:02}&n={}'>day</a>", i % 28 + 1,
                             r.target.size() * 100 + static_cast<std::size_t>(i));
      return html(page(links));
    });
    auto o = options();
    o.max_pages = 5;
    auto reading = read_one(o, fmt::format("http://127.0.0.1:{}/", server.port()));
    EXPECT_EQ(reading.fetched, 5);
    EXPECT_EQ(server.requests().size(), 6u);  // robots.txt and five pages
    EXPECT_EQ(reading.outcome, SiteOutcome::none);
  }
}

TEST_F(SiteReaderTest, OneRequestAtATimePerHostSpacedByTheDelay) {
  TinyHttpServer server([](const TinyRequest& r) {
    auto res = cinema_site(r);
    res.delay = 20ms;
    return res;
  });
  auto o = options();
  o.delay = 100ms;
  o.sites_at_once = 4;
  SiteReaderShared shared(o);
  // Two cinemas on one host, a third on another name of the same server.
  auto readings = read(shared, o,
                       {fmt::format("http://a.localhost:{}/", server.port()),
                        fmt::format("http://a.localhost:{}/rozklad/", server.port()),
                        fmt::format("http://b.localhost:{}/", server.port())});
  ASSERT_EQ(readings.size(), 3u);
  for (const auto& r : readings)
    EXPECT_EQ(r.outcome, SiteOutcome::structured) << r.error;
  std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> by_host;
  for (const auto& r : server.requests())
    by_host[r.header("host")].push_back(r.at);
  ASSERT_EQ(by_host.size(), 2u);
  for (auto& [host, times] : by_host) {
    std::sort(times.begin(), times.end());
    for (std::size_t i = 1; i < times.size(); ++i)
      EXPECT_GE(times[i] - times[i - 1], 100ms) << host << " request " << i;
  }
  // One request per host at a time: never more than the two hosts together.
  EXPECT_LE(server.max_concurrent(), 2);
}

}  // namespace
}  // namespace cinestream::agent
