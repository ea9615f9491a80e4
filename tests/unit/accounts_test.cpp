// The accounts module's pure parts: bcrypt through libxcrypt (and Python's hashes), access tokens
// (JWT HS256 with key rotation; every other algorithm refused), field rules, roles.
#include <gtest/gtest.h>

#include "cinestream/accounts/access_token.hpp"
#include "cinestream/accounts/account_rules.hpp"
#include "cinestream/accounts/password_hasher.hpp"
#include "cinestream/accounts/role.hpp"
#include "cinestream/accounts/secrets.hpp"
#include "cinestream/text/encoding.hpp"

namespace cinestream::accounts {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

sys_seconds at(int year) {
  return std::chrono::floor<std::chrono::seconds>(
      sys_days{std::chrono::year{year} / std::chrono::January / 1});
}

// --- bcrypt --------------------------------------------------------------------------------------

TEST(PasswordHasher, HashVerifiesAndWrongPasswordDoesNot) {
  auto h = hash_password("correct horse battery", 4);
  EXPECT_TRUE(h.starts_with("$2b$04$")) << h;
  EXPECT_EQ(bcrypt_cost(h), 4);
  EXPECT_TRUE(verify_password("correct horse battery", h));
  EXPECT_FALSE(verify_password("correct horse batterz", h));
  EXPECT_NE(hash_password("correct horse battery", 4), h) << "a fresh salt each time";
}

TEST(PasswordHasher, HashesWrittenByPythonBcryptVerify) {
  // Made with Debian's python3-bcrypt 3.2.2 (CineLibre's library): $2b$ and $2a$.
  EXPECT_TRUE(verify_password("correct horse battery",
                              "$2b$04$Ekl5l61z2cmN6IHUW.pl3eQBnNwzzSdJ0BSiDI5IiAt6PqjFs.vhS"));
  EXPECT_TRUE(verify_password("correct horse battery",
                              "$2a$05$nChl47Ap054C1mqmpHMdMOzhwLqO5sDvJIHkImjcm6dJ3lUm3itOC"));
  EXPECT_FALSE(verify_password("correct horse batter",
                               "$2a$05$nChl47Ap054C1mqmpHMdMOzhwLqO5sDvJIHkImjcm6dJ3lUm3itOC"));
  // Python cuts at 72 bytes too: the same hash verifies whatever follows byte 72.
  const char* long_hash = "$2b$04$C31X5j/95CnwI5XabF.Weu/nmP.M.bd45ERrIoj7pu26hJywNdaHm";
  EXPECT_TRUE(verify_password(std::string(72, 'x') + "tail", long_hash));
  EXPECT_TRUE(verify_password(std::string(72, 'x') + "other", long_hash));
}

TEST(PasswordHasher, MalformedHashesNeverVerify) {
  for (const char* bad :
       {"", "plain", "$1$abc$def", "$2b$99$C31X5j/95CnwI5XabF.Weu/nmP.M.bd45ERrIoj7pu26hJywNdaHm",
        "$2x$04$C31X5j/95CnwI5XabF.Weu/nmP.M.bd45ERrIoj7pu26hJywNdaH", "$2b$04$short"}) {
    EXPECT_FALSE(verify_password("anything at all", bad)) << bad;
  }
  EXPECT_EQ(bcrypt_cost("$2b$12$C31X5j/95CnwI5XabF.Weu/nmP.M.bd45ERrIoj7pu26hJywNdaHm"), 12);
  EXPECT_EQ(bcrypt_cost("$2b$04$short"), std::nullopt);
}

// --- access tokens -------------------------------------------------------------------------------

KeyRing ring(std::string kid = "k1", char fill = 'a') {
  return KeyRing({{std::move(kid), std::string(32, fill)}});
}

AccessClaims claims(sys_seconds now) {
  return {"user-1", Role::manager, "session-1", now, now + kAccessTokenLifetime};
}

std::string part(std::string_view token, int i) {
  auto a = token.find('.');
  auto b = token.find('.', a + 1);
  if (i == 0) return std::string(token.substr(0, a));
  if (i == 1) return std::string(token.substr(a + 1, b - a - 1));
  return std::string(token.substr(b + 1));
}

TEST(AccessToken, SignedTokenVerifiesWithItsClaims) {
  auto now = at(2026);
  auto keys = ring();
  auto t = sign_access_token(claims(now), keys);
  auto v = verify_access_token(t, keys, now + 60s);
  ASSERT_TRUE(v.claims);
  EXPECT_EQ(v.claims->subject, "user-1");
  EXPECT_EQ(v.claims->role, Role::manager);
  EXPECT_EQ(v.claims->session_id, "session-1");
  EXPECT_EQ(v.claims->expires_at, now + kAccessTokenLifetime);
}

TEST(AccessToken, ExpiredTokenIsRefused) {
  auto now = at(2026);
  auto t = sign_access_token(claims(now), ring());
  EXPECT_TRUE(verify_access_token(t, ring(), now + kAccessTokenLifetime - 1s).claims);
  auto v = verify_access_token(t, ring(), now + kAccessTokenLifetime + 31s);
  EXPECT_FALSE(v.claims);
  EXPECT_EQ(v.error, TokenError::expired);
}

TEST(AccessToken, AlgNoneAndOtherAlgorithmsAreRefused) {
  auto now = at(2026);
  auto t = sign_access_token(claims(now), ring());
  for (const char* header :
       {R"({"alg":"none","typ":"JWT","kid":"k1"})", R"({"alg":"HS512","typ":"JWT","kid":"k1"})",
        R"({"alg":"RS256","typ":"JWT","kid":"k1"})", R"({"alg":"hs256","typ":"JWT","kid":"k1"})",
        R"({"typ":"JWT","kid":"k1"})"}) {
    auto forged = text::base64url_encode(header) + "." + part(t, 1) + "." + part(t, 2);
    auto v = verify_access_token(forged, ring(), now);
    EXPECT_FALSE(v.claims) << header;
    EXPECT_EQ(v.error, TokenError::bad_algorithm) << header;
  }
  // "alg":"none" with an empty signature, the classic.
  auto none = text::base64url_encode(R"({"alg":"none"})") + "." + part(t, 1) + ".";
  EXPECT_FALSE(verify_access_token(none, ring(), now).claims);
}

TEST(AccessToken, TamperedPayloadOrSignatureIsRefused) {
  auto now = at(2026);
  auto t = sign_access_token(claims(now), ring());
  auto admin = text::base64url_encode(
      R"({"sub":"user-1","role":"admin","sid":"session-1","iat":1767225600,"exp":1767226500})");
  auto v = verify_access_token(part(t, 0) + "." + admin + "." + part(t, 2), ring(), now);
  EXPECT_EQ(v.error, TokenError::bad_signature);
  auto sig = part(t, 2);
  sig[3] = sig[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_access_token(part(t, 0) + "." + part(t, 1) + "." + sig, ring(), now).error,
            TokenError::bad_signature);
  for (std::string bad : {std::string(), std::string("a.b"), std::string("a.b.c.d"), t + "x",
                          std::string("!!!.???.***"), std::string(5000, 'a')}) {
    EXPECT_FALSE(verify_access_token(bad, ring(), now).claims) << bad.substr(0, 40);
  }
}

TEST(AccessToken, ForeignKeyAndUnknownKidAreRefused) {
  auto now = at(2026);
  auto foreign = sign_access_token(claims(now), ring("k1", 'b'));
  EXPECT_EQ(verify_access_token(foreign, ring("k1", 'a'), now).error, TokenError::bad_signature);
  auto other_kid = sign_access_token(claims(now), ring("k9", 'a'));
  EXPECT_EQ(verify_access_token(other_kid, ring("k1", 'a'), now).error, TokenError::unknown_key);
}

TEST(AccessToken, KeysRotate) {
  auto now = at(2026);
  auto old_ring = KeyRing::parse("2025:" + std::string(40, 'o'));
  auto token_by_old = sign_access_token(claims(now), old_ring);
  // The new key signs; the old one still verifies what it signed until those tokens expire.
  auto rotated = KeyRing::parse("2026:" + std::string(40, 'n') + ",2025:" + std::string(40, 'o'));
  EXPECT_TRUE(verify_access_token(token_by_old, rotated, now).claims);
  auto token_by_new = sign_access_token(claims(now), rotated);
  std::string header;
  ASSERT_TRUE(text::base64url_decode(part(token_by_new, 0), header));
  EXPECT_NE(header.find(R"("kid":"2026")"), std::string::npos) << header;
  EXPECT_TRUE(verify_access_token(token_by_new, rotated, now).claims);
  EXPECT_EQ(verify_access_token(token_by_new, old_ring, now).error, TokenError::unknown_key);
  EXPECT_THROW(KeyRing::parse("short:abc"), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse(""), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse("a:" + std::string(32, 'x') + ",a:" + std::string(32, 'y')),
               std::invalid_argument);
}

TEST(AccessToken, TokenMadeByPythonHmacVerifies) {
  // Built with Python's hmac/hashlib/base64 (what PyJWT does for HS256), key "k" * 32, kid "py".
  const char* token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InB5In0."
      "eyJzdWIiOiJ1MSIsInJvbGUiOiJzdGFmZiIsInNpZCI6InMxIiwiaWF0IjoxOTAwMDAwMDAwLCJleHAiOjQwMDAwMDAw"
      "MDB9."
      "EzyNVJKERKrLhrjaDFf14lWJI7CuT_Ym5Jzems1NKO4";
  KeyRing keys({{"py", std::string(32, 'k')}});
  auto v = verify_access_token(token, keys, at(2031));
  ASSERT_TRUE(v.claims) << token_error_code(v.error);
  EXPECT_EQ(v.claims->subject, "u1");
  EXPECT_EQ(v.claims->role, Role::staff);
  // Issued in 2030: refused in 2026 (a token from the future is not believed).
  EXPECT_EQ(verify_access_token(token, keys, at(2026)).error, TokenError::bad_claims);
}

TEST(AccessToken, MissingOrWrongClaimsAreRefused) {
  auto now = at(2026);
  KeyRing keys = ring();
  auto good = sign_access_token({"", Role::customer, "s", now, now + 60s}, keys);
  EXPECT_EQ(verify_access_token(good, keys, now).error, TokenError::bad_claims) << "empty sub";
  auto backwards = sign_access_token({"u", Role::customer, "s", now, now - 60s}, keys);
  EXPECT_FALSE(verify_access_token(backwards, keys, now).claims);
}

// --- secrets -------------------------------------------------------------------------------------

TEST(Secrets, TokensAreRandomAndStoredAsSha256Hex) {
  EXPECT_NE(random_token(), random_token());
  EXPECT_EQ(random_id().size(), 32u);
  EXPECT_EQ(random_id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// --- rules ---------------------------------------------------------------------------------------

TEST(AccountRules, EmailsAreNormalisedOrRefused) {
  EXPECT_EQ(normalize_email("  Olena.Koval@Example.COM "), "olena.koval@example.com");
  EXPECT_EQ(normalize_email("a+tag@sub.example.ua"), "a+tag@sub.example.ua");
  for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com",
                          "a@b..com", "a@.b.com", "a@b.com.", "a<b>@c.com", "a@b.com\r\nBcc: x@y.z",
                          "\xd0\xbe@\xd0\xbf.\xd1\x83\xd0\xba\xd1\x80"}) {
    EXPECT_EQ(normalize_email(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(normalize_email(std::string(250, 'a') + "@b.com"), std::nullopt);
}

TEST(AccountRules, PasswordsNeedLengthAndMustNotBeCommon) {
  EXPECT_EQ(password_problem("short", "")->code, "password_too_short");
  EXPECT_EQ(password_problem(std::string(129, 'a') + "Z", "")->code, "password_too_long");
  EXPECT_EQ(password_problem("1234567890", "")->code, "password_common");
  EXPECT_EQ(password_problem("QwertyUIOP", "")->code, "password_common") << "case does not help";
  EXPECT_EQ(password_problem("olena@example.com", "olena@example.com")->code, "password_common");
  EXPECT_EQ(password_problem("tab\there-and-more", "")->code, "password_invalid");
  EXPECT_EQ(password_problem("Київ вночі 2026", ""), std::nullopt) << "characters, not bytes";
  EXPECT_EQ(password_problem("Кіно2026!", "")->code, "password_too_short")
      << "9 characters are too few even at 14 bytes";
  EXPECT_EQ(password_problem("violet-kettle-41", ""), std::nullopt);
}

TEST(AccountRules, DisplayNamesWithMarkupOrInvisibleCharactersAreRefused) {
  EXPECT_EQ(display_name_problem("Олена Коваль"), std::nullopt);
  EXPECT_EQ(trim_name("  Olena  "), "Olena");
  EXPECT_EQ(display_name_problem("   ")->code, "invalid_display_name");
  EXPECT_EQ(display_name_problem("<script>alert(1)</script>")->code, "invalid_display_name");
  EXPECT_EQ(display_name_problem("admin\xe2\x80\xae"
                                 "txt.exe")
                ->code,
            "invalid_display_name")
      << "U+202E right-to-left override";
  EXPECT_EQ(display_name_problem("zero\xe2\x80\x8bwidth")->code, "invalid_display_name");
  EXPECT_EQ(display_name_problem("bell\x07")->code, "invalid_display_name");
  EXPECT_EQ(display_name_problem(std::string(51, 'a'))->code, "invalid_display_name");
  EXPECT_EQ(display_name_problem(std::string(50, 'a')), std::nullopt);
}

TEST(Roles, PermissionsFollowTheTable) {
  EXPECT_TRUE(allows(Role::customer, Permission::use_account));
  EXPECT_FALSE(allows(Role::customer, Permission::view_users));
  EXPECT_TRUE(allows(Role::staff, Permission::view_users));
  EXPECT_FALSE(allows(Role::staff, Permission::manage_users));
  EXPECT_FALSE(allows(Role::manager, Permission::manage_users));
  EXPECT_TRUE(allows(Role::manager, Permission::manage_cinemas));
  EXPECT_TRUE(allows(Role::admin, Permission::manage_users));
  for (Role r : {Role::customer, Role::staff, Role::manager, Role::admin})
    EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_EQ(parse_role("root"), std::nullopt);
}

}  // namespace
}  // namespace cinestream::accounts
