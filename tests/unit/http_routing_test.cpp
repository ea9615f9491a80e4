#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/http/query.hpp"
#include "cinestream/http/router.hpp"

namespace cinestream::http {
namespace {

Handler ok_handler() {
  return [](RequestContext&) -> boost::asio::awaitable<Reply> {
    co_return json_response(Status::ok, "{}");
  };
}

std::string name_of(const Router& r, const RouteMatch& m) {
  return r.route_names()[m.route_index];
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

TEST(Router, TemplatesCaptureTypedParameters) {
  Router r;
  r.add(Verb::get, "/api/cinemas/{id:int}/screens/{screen}", ok_handler());
  r.add(Verb::get, "/api/scrape/status/{city}", ok_handler());
  r.add(Verb::get, "/api/scrape/status/special", ok_handler());
  PathParams p;
  auto m = r.match(Verb::get, "/api/cinemas/42/screens/imax-1", p);
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(name_of(r, m), "/api/cinemas/{id:int}/screens/{screen}");
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.get("id"), "42");
  EXPECT_EQ(p.get("screen"), "imax-1");
  EXPECT_EQ(p.get("nothing"), "");
  EXPECT_EQ(parse_int_param(p.get("id")), 42);
  EXPECT_TRUE(r.match(Verb::get, "/api/cinemas/-7/screens/a").handler);

  // A typed parameter that does not parse is no match: 404 like any unknown path.
  for (const char* bad :
       {"/api/cinemas/x/screens/a", "/api/cinemas/4x/screens/a", "/api/cinemas//screens/a",
        "/api/cinemas/99999999999999999999/screens/a", "/api/cinemas/1/screens/",
        "/api/cinemas/1/screens", "/api/cinemas/1/screens/a/b"}) {
    auto miss = r.match(Verb::get, bad, p);
    EXPECT_FALSE(miss.handler) << bad;
    EXPECT_EQ(miss.status, Status::not_found) << bad;
    EXPECT_EQ(miss.route_index, 0u) << bad;
    EXPECT_TRUE(p.empty()) << bad;
  }

  // Literal routes come first.
  auto special = r.match(Verb::get, "/api/scrape/status/special", p);
  EXPECT_EQ(name_of(r, special), "/api/scrape/status/special");
  EXPECT_TRUE(p.empty());
  auto kyiv = r.match(Verb::get, "/api/scrape/status/kyiv", p);
  EXPECT_EQ(name_of(r, kyiv), "/api/scrape/status/{city}");
  EXPECT_EQ(p.get("city"), "kyiv");
  EXPECT_FALSE(r.match(Verb::get, "/api/scrape/status/").handler);
  EXPECT_FALSE(r.match(Verb::get, "/api/scrape/status/a/b").handler);
}

TEST(Router, MoreSpecificTemplatesWinWhateverTheOrder) {
  Router r;
  r.add(Verb::get, "/files/{rest*}", ok_handler());
  r.add(Verb::get, "/files/{name}", ok_handler());
  r.add(Verb::get, "/files/{id:int}", ok_handler());
  r.add(Verb::get, "/files/{id:int}/meta", ok_handler());
  PathParams p;
  EXPECT_EQ(name_of(r, r.match(Verb::get, "/files/12", p)), "/files/{id:int}");
  EXPECT_EQ(name_of(r, r.match(Verb::get, "/files/a.png", p)), "/files/{name}");
  EXPECT_EQ(name_of(r, r.match(Verb::get, "/files/12/meta", p)), "/files/{id:int}/meta");
  EXPECT_EQ(p.get("id"), "12");
  auto deep = r.match(Verb::get, "/files/a/b/c", p);
  EXPECT_EQ(name_of(r, deep), "/files/{rest*}");
  EXPECT_EQ(p.get("rest"), "a/b/c");
  EXPECT_FALSE(r.match(Verb::get, "/files/", p).handler);
}

TEST(Router, MethodsOfTemplates) {
  Router r;
  r.add(Verb::get, "/api/cinemas/{id:int}", ok_handler());
  r.add(Verb::delete_, "/api/cinemas/{id:int}", ok_handler());
  r.add(Verb::post, "/api/cinemas/{name}", ok_handler());
  r.add(Verb::put, "/api/cinemas", ok_handler());
  PathParams p;
  EXPECT_TRUE(r.match(Verb::head, "/api/cinemas/3", p).handler);
  // The string template answers POST even though the int one matched the path first.
  auto post = r.match(Verb::post, "/api/cinemas/3", p);
  ASSERT_TRUE(post.handler);
  EXPECT_EQ(name_of(r, post), "/api/cinemas/{name}");
  EXPECT_EQ(p.get("name"), "3");
  auto patch = r.match(Verb::patch, "/api/cinemas/3", p);
  EXPECT_EQ(patch.status, Status::method_not_allowed);
  EXPECT_EQ(patch.allow, "GET, HEAD, DELETE, POST");
  EXPECT_EQ(name_of(r, patch), "/api/cinemas/{id:int}");
  EXPECT_EQ(r.match(Verb::get, "/api/cinemas/x", p).allow, "POST");
  EXPECT_EQ(r.match(Verb::get, "/api/cinemas", p).allow, "PUT");
  EXPECT_EQ(r.match(Verb::get, "/api/other", p).status, Status::not_found);
}

TEST(Router, RouteOptionsReachTheMatch) {
  Router r;
  r.add(Verb::post, "/upload", ok_handler(), {.body_limit = 1 << 20});
  r.add(Verb::post, "/small", ok_handler());
  auto m = r.match(Verb::post, "/upload");
  ASSERT_TRUE(m.options);
  EXPECT_EQ(m.options->body_limit, std::size_t{1 << 20});
  EXPECT_FALSE(r.match(Verb::post, "/small").options->body_limit);
}

TEST(Router, RefusesMalformedTemplates) {
  Router r;
  EXPECT_THROW(r.add(Verb::get, "no-slash", ok_handler()), std::invalid_argument);
  EXPECT_THROW(r.add(Verb::get, "/a/{id:float}", ok_handler()), std::invalid_argument);
  EXPECT_THROW(r.add(Verb::get, "/a/{rest*}/b", ok_handler()), std::invalid_argument);
  EXPECT_THROW(r.add(Verb::get, "/a/{x}/{x}", ok_handler()), std::invalid_argument);
  EXPECT_THROW(r.add(Verb::get, "/a/{x", ok_handler()), std::invalid_argument);
  EXPECT_THROW(r.add(Verb::get, "/a/x{y}", ok_handler()), std::invalid_argument);
  EXPECT_THROW(r.add(Verb::get, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", ok_handler()),
               std::invalid_argument);
  r.add(Verb::get, "/a/{x}", ok_handler());
  EXPECT_THROW(r.add(Verb::get, "/a/{x}", ok_handler()), std::invalid_argument);
  r.add(Verb::post, "/a/{x}", ok_handler());  // another method is fine
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
