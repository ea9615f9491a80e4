// robots.txt as RFC 9309 reads it (agent/robots_txt.hpp): groups, longest match, wildcards,
// typos real files carry, and what a failed fetch means.
#include <gtest/gtest.h>

#include "cinestream/agent/robots_txt.hpp"

namespace cinestream::agent {
namespace {

using namespace std::chrono_literals;

TEST(RobotsTxt, OurGroupWinsOverTheStarGroupAndSeveralOfOursCombine) {
  auto r = RobotsTxt::parse(R"(
User-agent: *
Disallow: /

User-agent: cinestreambot   # any case
Disallow: /private
Crawl-delay: 2

User-agent: OtherBot
Allow: /

user-agent: CineStreamBot/1.0
Disallow: /tmp/
)",
                            "CineStreamBot");
  EXPECT_TRUE(r.allowed("/schedule"));
  EXPECT_FALSE(r.allowed("/private/a"));
  EXPECT_FALSE(r.allowed("/privateer"));  // a prefix, not a path segment
  EXPECT_FALSE(r.allowed("/tmp/x"));
  EXPECT_EQ(r.crawl_delay(), 2000ms);
  // Anyone else gets the star group.
  auto other = RobotsTxt::parse("User-agent: *\nDisallow: /\n", "CineStreamBot");
  EXPECT_FALSE(other.allowed("/"));
  EXPECT_FALSE(other.allowed("/schedule"));
  EXPECT_TRUE(other.allowed("/robots.txt"));
}

TEST(RobotsTxt, LongestMatchWinsAndAllowWinsATie) {
  auto r = RobotsTxt::parse(R"(User-agent: *
Disallow: /films
Allow: /films/schedule
Disallow: /page
Allow: /page
Disallow: /*.pdf$
Disallow: /*?session=
Allow: /fish*.php
Disallow: /fish
)",
                            "CineStreamBot");
  EXPECT_FALSE(r.allowed("/films/123"));
  EXPECT_TRUE(r.allowed("/films/schedule?day=2"));
  EXPECT_TRUE(r.allowed("/page"));  // the same length: allow wins
  EXPECT_FALSE(r.allowed("/docs/price.pdf"));
  EXPECT_TRUE(r.allowed("/docs/price.pdf?download=1"));  // "$" anchors the end
  EXPECT_FALSE(r.allowed("/list?session=abc"));
  EXPECT_TRUE(r.allowed("/fish/salmon.php"));
  EXPECT_FALSE(r.allowed("/fish/salmon.html"));
  EXPECT_TRUE(r.allowed("/other"));
}

TEST(RobotsTxt, EscapesCompareWithoutCaseAndEmptyDisallowRestrictsNothing) {
  auto r = RobotsTxt::parse("User-agent: *\nDisallow: /%d0%ba%d1%96%d0%bd%d0%be\nDisallow:\n",
                            "CineStreamBot");
  EXPECT_FALSE(r.allowed("/%D0%BA%D1%96%D0%BD%D0%BE/today"));
  EXPECT_TRUE(r.allowed("/"));
}

TEST(RobotsTxt, TyposAndStrayLinesAsRealFilesHaveThem) {
  auto r = RobotsTxt::parse(
      "Disallow: /before-any-group\n"
      "useragent: *\n"
      "Dissallow: /admin\n"
      "Sitemap: https://cinema.example/sitemap.xml\n"
      "Crawl-delay: forever\n"
      "Disalow: /cart\r\n"
      "this line has no colon\n",
      "CineStreamBot");
  EXPECT_TRUE(r.allowed("/before-any-group"));
  EXPECT_FALSE(r.allowed("/admin/x"));
  EXPECT_FALSE(r.allowed("/cart"));
  EXPECT_EQ(r.crawl_delay(), std::nullopt);
}

TEST(RobotsTxt, NoMatchingGroupOrAnEmptyFileAllowsEverything) {
  EXPECT_TRUE(RobotsTxt::parse("", "CineStreamBot").allowed("/x"));
  EXPECT_TRUE(
      RobotsTxt::parse("User-agent: Googlebot\nDisallow: /\n", "CineStreamBot").allowed("/x"));
}

TEST(RobotsTxt, AFailedFetchMeansUnavailableOrUnreachable) {
  EXPECT_TRUE(RobotsTxt::for_failed_fetch(404).allowed("/schedule"));
  EXPECT_TRUE(RobotsTxt::for_failed_fetch(403).allowed("/schedule"));
  EXPECT_FALSE(RobotsTxt::for_failed_fetch(503).allowed("/schedule"));
  EXPECT_FALSE(RobotsTxt::for_failed_fetch(0).allowed("/schedule"));
  EXPECT_TRUE(RobotsTxt::for_failed_fetch(0).allowed("/robots.txt"));
  EXPECT_TRUE(RobotsTxt::for_failed_fetch(500).disallows_everything());
}

TEST(RobotsTxt, OnlyTheFirst500KiBAreRead) {
  std::string body = "User-agent: *\n";
  body += std::string(RobotsTxt::kMaxBytes, '#');
  body += "\nDisallow: /\n";
  EXPECT_TRUE(RobotsTxt::parse(body, "CineStreamBot").allowed("/x"));
}

}  // namespace
}  // namespace cinestream::agent
