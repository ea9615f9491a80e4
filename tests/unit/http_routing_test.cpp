#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cinestream/http/query.hpp"
#include "cinestream/http/router.hpp"

namespace cinestream::http {
namespace {

Handler ok_handler() {
  return [](RequestContext&) -> boost::asio::awaitable<Response> {
    co_return json_response(Status::ok, "{}");
  };
}

TEST(Router, ExactRoutesAndMethods) {
  Router r;
  r.add(Verb::get, "/api/locations", ok_handler());
  r.add(Verb::post, "/api/scrape", ok_handler());
  auto m = r.match(Verb::get, "/api/locations");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(r.route_names()[m.route_index], "/api/locations");
  EXPECT_TRUE(r.match(Verb::head, "/api/locations").handler);

  auto wrong = r.match(Verb::post, "/api/locations");
  EXPECT_FALSE(wrong.handler);
  EXPECT_EQ(wrong.status, Status::method_not_allowed);
  EXPECT_EQ(wrong.allow, "GET, HEAD");
  EXPECT_EQ(r.match(Verb::get, "/api/scrape").allow, "POST");

  auto missing = r.match(Verb::get, "/api/nothing");
  EXPECT_FALSE(missing.handler);
  EXPECT_EQ(missing.status, Status::not_found);
  EXPECT_EQ(missing.route_index, 0u);
  EXPECT_FALSE(r.match(Verb::get, "/api/locations/").handler);
}

TEST(Router, PrefixRoutesCaptureTheTail) {
  Router r;
  r.add_prefix(Verb::get, "/api/scrape/status/", ok_handler());
  r.add(Verb::get, "/api/scrape/status/special", ok_handler());
  auto m = r.match(Verb::get, "/api/scrape/status/kyiv");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.tail, "kyiv");
  EXPECT_EQ(r.match(Verb::get, "/api/scrape/status/special").tail, "");
  EXPECT_FALSE(r.match(Verb::get, "/api/scrape/status/").handler);
}

TEST(Router, FallbackIsKeptSeparately) {
  Router r;
  EXPECT_EQ(r.fallback(), nullptr);
  r.set_fallback(ok_handler());
  EXPECT_NE(r.fallback(), nullptr);
}

TEST(Target, DecodesPathAndQuery) {
  auto t = parse_target("/api/showtimes?city=%D0%9A%D0%B8%D1%97%D0%B2&date=2026-11-21&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/api/showtimes");
  EXPECT_EQ(t->param("city"), "Київ");
  EXPECT_EQ(t->param("date"), "2026-11-21");
  EXPECT_EQ(t->param("flag"), "");
  EXPECT_FALSE(t->param("lang"));
  EXPECT_EQ(parse_target("/api/showtimes?city=New+York")->param("city"), "New York");
}

TEST(Target, AcceptsRawUtf8) {
  auto t = parse_target("/api/showtimes?city=Київ");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->param("city"), "Київ");
}

TEST(Target, RejectsMalformedTargets) {
  EXPECT_FALSE(parse_target(""));
  EXPECT_FALSE(parse_target("api/x"));
  EXPECT_FALSE(parse_target("http://evil.example/"));
  EXPECT_FALSE(parse_target("/a?b=%zz"));
  EXPECT_FALSE(parse_target("/%2e%2e/etc/passwd"));
  EXPECT_FALSE(parse_target("/static/../../etc/passwd"));
  EXPECT_FALSE(parse_target("/a%00b"));
}

// The hand-split fast path must agree with Boost.URL on every input it accepts; inputs are drawn
// from characters that exercise both paths (plain ones, separators, '%', '+', '.', UTF-8).
TEST(Target, FastPathAgreesWithGenericParser) {
  const std::string alphabet = "/?=&ab.~-_%+2e:; ";
  const std::vector<std::string> fixed = {"/api/showtimes?city=kyiv",
                                          "/api/showtimes?city=kyiv&lang=ua",
                                          "/",
                                          "/a?",
                                          "/a?&",
                                          "/a?b&&c",
                                          "/a?=",
                                          "/a?b=c=d",
                                          "/a?b",
                                          "/a?b=&c=",
                                          "//x",
                                          "/a/./b",
                                          "/a/../b",
                                          "/a/..",
                                          "/.",
                                          "/a?b=..",
                                          "/a.b/c~d?e-f_g=h.i~j"};
  auto same = [](const std::optional<Target>& a, const std::optional<Target>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->path == b->path && a->params == b->params);
  };
  for (const auto& t : fixed) {
    EXPECT_TRUE(same(parse_target(t), detail::parse_target_generic(t))) << t;
  }
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> len(0, 12), pick(0, alphabet.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    std::string t = "/";
    for (std::size_t n = len(rng); n > 0; --n)
      t.push_back(alphabet[pick(rng)]);
    ASSERT_TRUE(same(parse_target(t), detail::parse_target_generic(t))) << t;
  }
}

}  // namespace
}  // namespace cinestream::http
