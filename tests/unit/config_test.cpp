#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "cinestream/config/config.hpp"
#include "cinestream/config/dotenv.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

void expect_error_mentions(const FlagValues& flags, const EnvLookup& env,
                           const std::string& env_file, const std::string& needle);

class ConfigTest : public ::testing::Test {
 protected:
  std::string write_env(const std::string& text, mode_t mode = 0600) {
    auto path = dir_.str() + "/.env";
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string missing() const { return dir_.str() + "/absent.env"; }
  testing::TempDir dir_;
};

TEST_F(ConfigTest, DefaultsWhenNothingGiven) {
  auto c = load_config({}, env_of({}), missing(), false);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.data_dir, "data");
  EXPECT_EQ(c.gemini_model, "gemini-2.5-flash");
  EXPECT_TRUE(c.mongo_uri.empty());
  EXPECT_TRUE(c.trusted_proxies.empty());  // no proxy names clients unless one is configured
  EXPECT_TRUE(c.public_origin.empty());
}

TEST_F(ConfigTest, PublicOriginIsAnOriginWithoutAPath) {
  auto c = load_config({{"public-origin", "https://cinema.example"}}, env_of({}), missing(), false);
  EXPECT_EQ(c.public_origin, "https://cinema.example");
  for (const char* bad : {"cinema.example", "https://cinema.example/", "https://", "ftp://x",
                          "https://u@cinema.example", "https://cinema.example?x"}) {
    EXPECT_THROW(load_config({{"public-origin", bad}}, env_of({}), missing(), false), ConfigError)
        << bad;
  }
}

TEST_F(ConfigTest, SmtpSettingsWithThePasswordFromTheEnvironment) {
  auto c = load_config({{"smtp-url", "smtp://127.0.0.1:2525"},
                        {"smtp-user", "mailer"},
                        {"smtp-starttls", "false"},
                        {"smtp-max-attempts", "3"}},
                       env_of({{"SMTP_PASSWORD", "from-env"}}), missing(), false);
  EXPECT_EQ(c.smtp_url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(c.smtp_user, "mailer");
  EXPECT_EQ(c.smtp_password, "from-env");
  EXPECT_FALSE(c.smtp_starttls);
  EXPECT_EQ(c.smtp_max_attempts, 3);
  auto d = load_config({}, env_of({}), missing(), false);
  EXPECT_TRUE(d.smtp_url.empty()) << "no delivery unless configured";
  EXPECT_TRUE(d.smtp_starttls) << "STARTTLS required by default";
  for (const auto& [flag, bad] : std::vector<std::pair<std::string, std::string>>{
           {"smtp-url", "http://mail.example"},
           {"smtp-from", "no-address"},
           {"smtp-from", "a@example.org\r\nBcc: b@example.org"},
           {"smtp-max-attempts", "0"}}) {
    EXPECT_THROW(load_config({{flag, bad}}, env_of({}), missing(), false), ConfigError) << flag;
  }
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsDotenv) {
  auto env_file = write_env(
      "CINESTREAM_PORT=7001\nSECRET_KEY=from-dotenv-0123456789\nMONGO_URI=mongodb://dotenv\n");
  auto env = env_of({{"CINESTREAM_PORT", "7002"}, {"MONGO_URI", "mongodb://env"}});
  auto c = load_config({{"port", "7003"}}, env, env_file, true);
  EXPECT_EQ(c.port, 7003);                            // flag
  EXPECT_EQ(c.mongo_uri, "mongodb://env");            // environment over .env
  EXPECT_EQ(c.secret_key, "from-dotenv-0123456789");  // .env over default
  c = load_config({}, env, env_file, true);
  EXPECT_EQ(c.port, 7002);
  c = load_config({}, env_of({}), env_file, true);
  EXPECT_EQ(c.port, 7001);
}

TEST_F(ConfigTest, DemoWhenNoKeyUnlessSaidOtherwise) {
  EXPECT_TRUE(load_config({}, env_of({}), missing(), false).demo);
  EXPECT_FALSE(load_config({}, env_of({{"GOOGLE_API_KEY", "k"}}), missing(), false).demo);
  EXPECT_FALSE(load_config({{"demo", "false"}}, env_of({}), missing(), false).demo);
  EXPECT_TRUE(
      load_config({{"demo", "true"}}, env_of({{"GOOGLE_API_KEY", "k"}}), missing(), false).demo);
}

TEST_F(ConfigTest, GeminiEndpointAndPrices) {
  auto c = load_config({},
                       env_of({{"GEMINI_BASE_URL", "http://127.0.0.1:9999"},
                               {"GEMINI_PRICE_PER_GROUNDED_CALL", "0.014"}}),
                       missing(), false);
  EXPECT_EQ(c.gemini_base_url, "http://127.0.0.1:9999");
  EXPECT_DOUBLE_EQ(c.gemini_price_per_grounded_call, 0.014);
  EXPECT_LT(c.gemini_price_input_per_million, 0);  // not given: the model's own
  expect_error_mentions({}, env_of({{"GEMINI_BASE_URL", "ftp://x"}}), missing(), "GEMINI_BASE_URL");
  expect_error_mentions({}, env_of({{"GEMINI_PRICE_INPUT_PER_M", "-2"}}), missing(),
                        "GEMINI_PRICE_INPUT_PER_M");
  expect_error_mentions({{"gemini-max-in-flight", "0"}}, env_of({}), missing(),
                        "--gemini-max-in-flight");
  expect_error_mentions({{"demo", "maybe"}}, env_of({}), missing(), "--demo");
}

TEST_F(ConfigTest, EveryFlagNamesASetting) {
  EXPECT_THROW(load_config({{"no-such-thing", "1"}}, env_of({}), missing(), false), ConfigError);
  auto c = load_config({{"poster-allow-private", "true"},
                        {"poster-max-bytes", "2048"},
                        {"donation-url", "https://donate.example"}},
                       env_of({}), missing(), false);
  EXPECT_TRUE(c.poster_allow_private);
  EXPECT_EQ(c.poster_max_bytes, 2048u);
  EXPECT_EQ(c.donation_url, "https://donate.example");
  expect_error_mentions({{"donation-url", "http://x"}}, env_of({}), missing(), "--donation-url");
}

TEST_F(ConfigTest, GoogleKeyThenGeminiKey) {
  auto c = load_config({}, env_of({{"GEMINI_API_KEY", "g"}}), missing(), false);
  EXPECT_EQ(c.gemini_api_key, "g");
  c = load_config({}, env_of({{"GEMINI_API_KEY", "g"}, {"GOOGLE_API_KEY", "k"}}), missing(), false);
  EXPECT_EQ(c.gemini_api_key, "k");
}

TEST_F(ConfigTest, ModelAliases) {
  EXPECT_EQ(resolve_gemini_model("flash"), "gemini-2.5-flash");
  EXPECT_EQ(resolve_gemini_model("pro"), "gemini-2.5-pro");
  EXPECT_EQ(resolve_gemini_model("gemini-3-flash-preview"), "gemini-3-flash-preview");
  EXPECT_EQ(resolve_gemini_model("models/gemini-2.5-flash-lite"), "gemini-2.5-flash-lite");
  EXPECT_THROW(resolve_gemini_model("gpt-4"), ConfigError);
  EXPECT_THROW(resolve_gemini_model("gemini-../../x"), ConfigError);
}

// Each invalid value names the setting and where it came from.
void expect_error_mentions(const FlagValues& flags, const EnvLookup& env,
                           const std::string& env_file, const std::string& needle) {
  try {
    load_config(flags, env, env_file, false);
    FAIL() << "expected a ConfigError mentioning " << needle;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(ConfigTest, InvalidValuesNameTheSetting) {
  expect_error_mentions({{"port", "http"}}, env_of({}), missing(), "--port");
  expect_error_mentions({{"port", "70000"}}, env_of({}), missing(), "--port");
  expect_error_mentions({}, env_of({{"CINESTREAM_PORT", "-1"}}), missing(), "CINESTREAM_PORT");
  expect_error_mentions({}, env_of({{"MONGO_URI", "postgres://x"}}), missing(), "MONGO_URI");
  expect_error_mentions({}, env_of({{"GEMINI_MODEL", "claude"}}), missing(), "GEMINI_MODEL");
  expect_error_mentions({}, env_of({{"SECRET_KEY", "short"}}), missing(), "SECRET_KEY");
  expect_error_mentions({{"log-level", "loud"}}, env_of({}), missing(), "--log-level");
  expect_error_mentions({{"threads", "many"}}, env_of({}), missing(), "--threads");
  expect_error_mentions({{"idle-timeout-ms", "0"}}, env_of({}), missing(), "--idle-timeout-ms");
}

TEST_F(ConfigTest, WorldReadableDotenvIsRefused) {
  auto path = write_env("SECRET_KEY=abcdefghijklmnopqrstuvwxyz\n", 0644);
  EXPECT_THROW(load_config({}, env_of({}), path, true), ConfigError);
}

TEST_F(ConfigTest, MissingExplicitDotenvIsAnError) {
  EXPECT_THROW(load_config({}, env_of({}), missing(), true), ConfigError);
  EXPECT_NO_THROW(load_config({}, env_of({}), missing(), false));
}

TEST(Dotenv, ParsesTheOriginalsFormat) {
  auto vars = parse_dotenv(
      "# CineStream\n"
      "MONGO_URI=mongodb://user:pass@127.0.0.1:27017/movie_db?authSource=admin\n"
      "export GOOGLE_API_KEY=\"key with spaces\"\n"
      "SECRET_KEY='s3cr3t#not-a-comment'\n"
      "GEMINI_MODEL=flash # default\n"
      "\n"
      "EMPTY=\n");
  EXPECT_EQ(vars["MONGO_URI"], "mongodb://user:pass@127.0.0.1:27017/movie_db?authSource=admin");
  EXPECT_EQ(vars["GOOGLE_API_KEY"], "key with spaces");
  EXPECT_EQ(vars["SECRET_KEY"], "s3cr3t#not-a-comment");
  EXPECT_EQ(vars["GEMINI_MODEL"], "flash");
  EXPECT_EQ(vars["EMPTY"], "");
}

TEST(Dotenv, RejectsMalformedLinesWithTheirNumber) {
  try {
    parse_dotenv("A=1\nthis is not a setting\n");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
  EXPECT_THROW(parse_dotenv("1A=x\n"), std::invalid_argument);
  EXPECT_THROW(parse_dotenv("A=\"unterminated\n"), std::invalid_argument);
}

}  // namespace
}  // namespace cinestream
