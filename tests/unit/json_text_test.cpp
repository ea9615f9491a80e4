// http::json_text: json::serialize's output, except that doubles are plain decimals.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "cinestream/http/json_text.hpp"

namespace cinestream {
namespace {

namespace json = boost::json;
using http::json_number;
using http::json_text;

TEST(JsonText, DoublesArePlainShortestDecimals) {
  EXPECT_EQ(json_number(0.6798), "0.6798");
  EXPECT_EQ(json_number(50.4501), "50.4501");
  EXPECT_EQ(json_number(30.5234), "30.5234");
  EXPECT_EQ(json_number(-0.1276), "-0.1276");
  EXPECT_EQ(json_number(1e-7), "0.0000001");
  EXPECT_EQ(json_number(123456789.5), "123456789.5");
  EXPECT_EQ(json_number(0.1 + 0.2), "0.30000000000000004");  // shortest that reads back exactly
  // Whole doubles keep a fraction, so a reader still gets a double back.
  EXPECT_EQ(json_number(0.0), "0.0");
  EXPECT_EQ(json_number(-0.0), "-0.0");
  EXPECT_EQ(json_number(50.0), "50.0");
  EXPECT_EQ(json_number(1e21), "1000000000000000000000.0");
  // JSON has no infinities or NaN.
  EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(json_number(std::nan("")), "null");
}

TEST(JsonText, DoublesReadBackExactly) {
  for (double d : {0.6798, 50.4501, 30.5234, -0.1276, 1e-7, 123456789.5, 0.0, -0.0, 1e300, 5e-324,
                   std::numeric_limits<double>::max(), 2.0 / 3.0}) {
    auto text = json_number(d);
    EXPECT_EQ(text.find_first_of("eE"), std::string::npos) << text;
    EXPECT_TRUE(json::parse(text).is_double()) << text;
    // strtod, not json::parse: Boost.JSON 1.81's parser is not exact for very long mantissas
    // (DBL_MAX written out in full), though it is for the short ones money and coordinates have.
    double back = std::strtod(text.c_str(), nullptr);
    EXPECT_EQ(back, d) << text;
    EXPECT_EQ(std::signbit(back), std::signbit(d)) << text;
  }
}

TEST(JsonText, IntegersStayIntegers) {
  EXPECT_EQ(json_text(json::value(0)), "0");
  EXPECT_EQ(json_text(json::value(-42)), "-42");
  EXPECT_EQ(json_text(json::value(std::numeric_limits<std::int64_t>::min())),
            "-9223372036854775808");
  EXPECT_EQ(json_text(json::value(std::numeric_limits<std::uint64_t>::max())),
            "18446744073709551615");
}

TEST(JsonText, DocumentsMatchSerializeApartFromDoubles) {
  json::object o{{"id", "kyiv"},
                 {"name", "Київ \"quoted\" \\ \t\n\x01 end"},
                 {"count", 3},
                 {"big", std::uint64_t{1} << 63},
                 {"ok", true},
                 {"no", false},
                 {"none", nullptr},
                 {"empty_array", json::array{}},
                 {"empty_object", json::object{}},
                 {"nested", json::array{1, "two", json::object{{"k", json::array{}}}}}};
  EXPECT_EQ(json_text(o), json::serialize(o));
  EXPECT_EQ(json_text(json::value(o)), json::serialize(o));
  json::array a{1, "x", nullptr};
  EXPECT_EQ(json_text(a), json::serialize(a));
  EXPECT_EQ(json_text(json::value("\xd0\x9b\"")), json::serialize(json::value("\xd0\x9b\"")));

  json::object with_doubles{{"lat", 50.4501},
                            {"lon", 30.5234},
                            {"cost_usd", 0.6798},
                            {"list", json::array{1e-7, -0.1276, 123456789.5}}};
  EXPECT_EQ(json_text(with_doubles), R"({"lat":50.4501,"lon":30.5234,"cost_usd":0.6798,)"
                                     R"("list":[0.0000001,-0.1276,123456789.5]})");
  EXPECT_EQ(json::parse(json_text(with_doubles)), json::value(with_doubles));
  for (double d : {0.6798, 50.4501, 30.5234, -0.1276, 1e-7, 123456789.5, 0.0})
    EXPECT_EQ(json::parse(json_number(d)).as_double(), d) << json_number(d);
}

}  // namespace
}  // namespace cinestream
