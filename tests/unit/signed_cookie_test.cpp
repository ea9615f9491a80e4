#include <gtest/gtest.h>

#include "cinestream/http/signed_cookie.hpp"

namespace cinestream::http {
namespace {

TEST(SignedCookie, VerifiesItsOwnAndRefusesTampering) {
  auto v = sign_cookie_value("cs_lang", "ua", "secret-key-0123456789");
  EXPECT_TRUE(v.starts_with("ua."));
  EXPECT_EQ(verify_cookie_value("cs_lang", v, "secret-key-0123456789"), "ua");
  EXPECT_FALSE(verify_cookie_value("cs_lang", v, "another-key-0123456789"));  // other secret
  EXPECT_FALSE(verify_cookie_value("other", v, "secret-key-0123456789"));     // other cookie
  auto forged = "ru" + v.substr(2);
  EXPECT_FALSE(verify_cookie_value("cs_lang", forged, "secret-key-0123456789"));
  EXPECT_FALSE(verify_cookie_value("cs_lang", "ua", "secret-key-0123456789"));
  EXPECT_FALSE(verify_cookie_value("cs_lang", "ua.", "secret-key-0123456789"));
  EXPECT_FALSE(verify_cookie_value("cs_lang", v, ""));
}

TEST(SignedCookie, FindsCookiesInTheHeader) {
  EXPECT_EQ(find_cookie("a=1; cs_lang=ua.x; b=2", "cs_lang"), "ua.x");
  EXPECT_EQ(find_cookie("cs_lang=ru.y", "cs_lang"), "ru.y");
  EXPECT_FALSE(find_cookie("xcs_lang=ua", "cs_lang"));
  EXPECT_FALSE(find_cookie("", "cs_lang"));
}

}  // namespace
}  // namespace cinestream::http
