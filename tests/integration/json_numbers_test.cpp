// Every JSON document the real server sends writes its numbers in plain decimal form: no
// exponent (Boost.JSON alone would print 50.4501 as 5.04501E1 and a cost of 0.6798 as 6.798E-1).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/demo_server.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// The number tokens of a JSON text, read outside its strings.
std::vector<std::string> numbers_in(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      auto end = text.find_first_not_of("0123456789+-.eE", i);
      if (end == std::string::npos) end = text.size();
      out.push_back(text.substr(i, end - i));
      i = end;
    } else {
      ++i;
    }
  }
  return out;
}

// Checks that `body` is JSON whose numbers have no exponent; returns how many had a fraction.
int expect_plain_numbers(const std::string& what, const std::string& body) {
  EXPECT_NO_THROW(json::parse(body)) << what << ": " << body;
  int fractions = 0;
  for (const auto& n : numbers_in(body)) {
    EXPECT_EQ(n.find_first_of("eE"), std::string::npos) << what << ": " << n << " in " << body;
    fractions += n.find('.') != std::string::npos;
  }
  return fractions;
}

bool is_fresh(const json::object& status) {
  auto it = status.find("status");
  return it != status.end() && it->value().is_string() && it->value().get_string() == "fresh";
}

TEST(JsonNumbers, NoExponentInAnyDocument) {
  EXPECT_EQ(numbers_in(R"({"a":"x1e5\"2","b":[-0.5,5.04501E1,3]})"),
            (std::vector<std::string>{"-0.5", "5.04501E1", "3"}));

  testing::TempDir dir;
  testing::ServerProcess server(dir.str(), testing::demo_args());
  auto port = server.port();

  auto locations = testing::http_get(port, "/api/locations");
  ASSERT_EQ(locations.status, 200u) << locations.body;
  EXPECT_GT(expect_plain_numbers("/api/locations", locations.body), 0);  // lat and lon
  auto near = testing::http_get(port, "/api/locations?lat=49.84&lon=24.03&limit=3");
  ASSERT_EQ(near.status, 200u) << near.body;
  EXPECT_NE(near.body.find("\"distance_km\":"), std::string::npos) << near.body;
  expect_plain_numbers("/api/locations near", near.body);

  auto started = testing::post_scrape(port, "lviv");
  ASSERT_TRUE(started.status == 200u || started.status == 202u) << started.body;
  expect_plain_numbers("POST /api/scrape", started.body);
  json::object status;
  auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    auto res = testing::http_get(port, "/api/scrape/status/lviv");
    ASSERT_EQ(res.status, 200u) << res.body;
    expect_plain_numbers("/api/scrape/status/lviv", res.body);
    status = json::parse(res.body).as_object();
    if (is_fresh(status)) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(is_fresh(status)) << json::serialize(status);
  auto final_status = testing::http_get(port, "/api/scrape/status/lviv").body;
  EXPECT_NE(final_status.find("\"cost_usd\":"), std::string::npos) << final_status;
  expect_plain_numbers("/api/scrape/status/lviv (fresh)", final_status);

  for (std::string target : {"/api/stats", "/api/movies?city=lviv", "/api/showtimes?city=lviv",
                             "/api/locations?lang=ua", "/api/session"}) {
    auto res = testing::http_get(port, target);
    ASSERT_EQ(res.status, 200u) << target << ": " << res.body;
    expect_plain_numbers(target, res.body);
  }
}

}  // namespace
}  // namespace cinestream
