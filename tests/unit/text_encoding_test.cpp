// base64url and hex, shared by JWTs, tokens, signed cookies and digests.
#include "cinestream/text/encoding.hpp"

#include <gtest/gtest.h>

#include <array>

namespace cinestream::text {
namespace {

TEST(Encoding, Base64UrlMatchesRfc4648VectorsWithoutPadding) {
  // RFC 4648 §10, padding removed; '-' and '_' where base64 has '+' and '/'.
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");
}

TEST(Encoding, Base64UrlRoundTripsAndRefusesNonCanonicalText) {
  for (std::string s : {std::string(), std::string("f"), std::string("fo"), std::string("foo"),
                        std::string("\xff\x00\x10", 3)}) {
    std::string out;
    ASSERT_TRUE(base64url_decode(base64url_encode(s), out));
    EXPECT_EQ(out, s);
  }
  std::string out;
  EXPECT_FALSE(base64url_decode("Zm9v=", out)) << "padding";
  EXPECT_FALSE(base64url_decode("Zm+v", out)) << "base64, not base64url";
  EXPECT_FALSE(base64url_decode("Z", out)) << "impossible length";
  EXPECT_FALSE(base64url_decode("Zh", out)) << "non-zero leftover bits";
}

TEST(Encoding, HexIsLowerCaseTwoDigitsPerByte) {
  std::array<unsigned char, 4> bytes{0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(hex_encode(bytes), "000fa0ff");
  EXPECT_EQ(hex_encode(std::string_view("\x01\xfe", 2)), "01fe");
  EXPECT_EQ(hex_encode(std::string_view()), "");
}

}  // namespace
}  // namespace cinestream::text
