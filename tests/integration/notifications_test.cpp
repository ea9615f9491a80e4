// Notifications through two real server processes on one data directory: a scrape's movie
// bringing a watchlisted film to the user's city makes exactly one notice (both processes run a
// notifier), which both processes serve, and exactly one digest email that lands on the loopback
// SMTP server; the routes refuse bad input and strangers.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/store/sqlite_db.hpp"
#include "cinestream/store/sqlite_store.hpp"
#include "support/api_client.hpp"
#include "support/eventually.hpp"
#include "support/mail_decode.hpp"
#include "support/sample_data.hpp"
#include "support/server_process.hpp"
#include "support/smtp_server.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::eventually;
using testing::HttpClient;
using testing::HttpResult;
using testing::ServerProcess;
using V = boost::beast::http::verb;

using Api = testing::ApiClient;

json::object parse(const std::string& body) {
  return testing::json_object_of(body);
}

std::string error_code(const HttpResult& r) {
  return testing::error_code_of(r);
}

std::int64_t count(sqlite::ConnectionPool& pool, const char* sql) {
  return pool.with([&](sqlite::Connection& c) {
    auto st = c.prepare(sql);
    return st.step() ? st.integer(0) : -1;
  });
}

std::string outbox(sqlite::ConnectionPool& pool) {
  return pool.with([&](sqlite::Connection& c) {
    std::string out;
    auto st = c.prepare("SELECT kind, status, last_error FROM mail_outbox");
    while (st.step())
      out += fmt::format("{} {} {}\n", st.text(0), st.text(1), st.text(2));
    return out;
  });
}

// A scrape's result in the store, as the agent merges it: one film, one showtime tomorrow.
void scrape(Database& store, const std::string& city) {
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto zone = find_zone("Europe/Kyiv");
  auto day = local_day(zone, local_date(zone, now + std::chrono::days(1)));
  store.showtimes().merge_movies(
      city,
      {testing::test_movie(
          "Dune", "Дюна",
          {testing::test_theater("Kinopalats", "", {{day.begin + 19h, "2D", "", ""}})})},
      now);
}

TEST(Notifications, AScrapeBringingAWatchlistedFilmNotifiesOnceAcrossTwoProcesses) {
  testing::TempDir dir;
  testing::SmtpServer smtp(dir.path() / "smtp", {});
  ASSERT_TRUE(smtp.running()) << smtp.log();
  auto data = dir.path() / "data";
  std::filesystem::create_directories(data);
  std::vector<std::string> args{"--bcrypt-cost",
                                "4",
                                "--jwt-keys",
                                "t1:" + std::string(40, 'j'),
                                "--auth-rate-per-minute",
                                "0",
                                "--catalog-link-ms",
                                "100",
                                "--notify-interval-ms",
                                "100",
                                "--digest-hour",
                                "0",
                                "--smtp-starttls",
                                "false",
                                "--smtp-url",
                                smtp.url(),
                                "--log-level",
                                "warn"};
  ServerProcess a(data.string(), args);
  ServerProcess b(data.string(), args);
  auto store = make_sqlite_store(data.string() + "/cinestream.sqlite3", 2);
  auto& pool = *store->sqlite();

  // Every city had its first scan (its baseline) before anything is scraped.
  ASSERT_TRUE(eventually(
      [&] {
        return count(pool, "SELECT count(*) FROM notify_cities") ==
               count(pool, "SELECT count(*) FROM locations");
      },
      30s))
      << a.log();

  // The film exists: it plays in Kyiv (and Kyiv is nobody's city here).
  scrape(*store, "kyiv");
  std::int64_t film = 0;
  ASSERT_TRUE(eventually(
      [&] {
        film = count(pool, "SELECT film_id FROM movies WHERE city_id = 'kyiv'");
        return film > 0;
      },
      15s));

  Api api(a.port());
  auto reg = api.call(V::post, "/api/auth/register",
                      json::serialize(json::object{{"email", "reader@example.com"},
                                                   {"password", "violet-kettle-41"},
                                                   {"display_name", "Reader"},
                                                   {"lang", "en"},
                                                   {"home_city", "lviv"}}));
  ASSERT_EQ(reg.status, 201u) << reg.body;
  auto doc = parse(reg.body);
  api.token = std::string(doc["access_token"].as_string());
  auto user_id = std::string(doc["user"].as_object()["id"].as_string());
  auto users = accounts::make_accounts_store(*store);
  ASSERT_TRUE(users.users->mark_email_verified(user_id, SysSeconds{}));

  // Bad input and strangers: clear errors, nothing written.
  Api stranger(a.port());
  EXPECT_EQ(stranger.call(V::get, "/api/me/notifications").status, 401u);
  // The live socket: no session, no upgrade (a JSON 401); a plain GET with one is 426.
  auto anonymous_live = stranger.call(V::get, "/api/me/notifications/live");
  EXPECT_EQ(anonymous_live.status, 401u) << anonymous_live.body;
  EXPECT_NE(anonymous_live.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(api.call(V::get, "/api/me/notifications/live").status, 426u);
  EXPECT_EQ(error_code(api.call(V::get, "/api/me/notifications?limit=100000")), "invalid_query");
  EXPECT_EQ(error_code(api.call(V::get, "/api/me/notifications?before=abc")), "invalid_query");
  EXPECT_EQ(error_code(api.call(V::put, "/api/me/notification-settings",
                                R"({"email_digest": true, "followed_cities": ["atlantis"]})")),
            "unknown_city");
  EXPECT_EQ(error_code(api.call(V::put, "/api/me/notification-settings", R"({"push": "yes"})")),
            "invalid_field");
  EXPECT_EQ(error_code(api.call(V::post, "/api/me/notifications/read", R"({"ids": [5]})")),
            "invalid_field");
  auto settings = parse(api.call(V::get, "/api/me/notification-settings").body);
  EXPECT_FALSE(settings["email_digest"].as_bool()) << "the refused PUT wrote nothing";

  auto put = api.call(V::put, "/api/me/notification-settings",
                      R"({"email_digest": true, "followed_cities": ["odesa"]})");
  ASSERT_EQ(put.status, 200u) << put.body;
  EXPECT_TRUE(parse(put.body)["push"].as_bool()) << "a partial PUT keeps the rest";
  ASSERT_EQ(api.call(V::put, fmt::format("/api/me/watchlist/{}", film)).status, 200u);

  // The scrape that brings it to Lviv, the user's home city.
  scrape(*store, "lviv");
  ASSERT_TRUE(eventually(
      [&] {
        auto list = parse(api.call(V::get, "/api/me/notifications").body);
        return list["notifications"].as_array().size() == 1;
      },
      20s))
      << a.log() << b.log();
  // Wait for the digest (it follows the notice), then nothing is pending: no second notice can
  // come.
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& raw : smtp.messages()) {
          auto mail = testing::parse_mail(raw);
          if (testing::decode_words(mail.headers["Subject"]).find("watchlist") != std::string::npos)
            return true;
        }
        return false;
      },
      20s))
      << a.log() << smtp.log() << outbox(pool);
  ASSERT_TRUE(eventually(
      [&] { return count(pool, "SELECT count(*) FROM notify_arrivals WHERE pending = 1") == 0; }));

  Api other(b.port());
  other.token = api.token;
  auto list = parse(other.call(V::get, "/api/me/notifications").body);
  ASSERT_EQ(list["notifications"].as_array().size(), 1u) << "one notice, served by both";
  EXPECT_EQ(list["unread"].as_int64(), 1);
  auto notice = list["notifications"].as_array()[0].as_object();
  EXPECT_EQ(notice["kind"].as_string(), "now_playing");
  EXPECT_EQ(notice["film_id"].as_int64(), film);
  EXPECT_EQ(notice["city"].as_string(), "lviv");
  EXPECT_EQ(notice["title"].as_object()["en"].as_string(), "Dune");
  EXPECT_FALSE(notice["read"].as_bool());
  EXPECT_EQ(count(pool, "SELECT count(*) FROM notify_notices"), 1);

  std::size_t digests = 0;
  for (const auto& raw : smtp.messages()) {
    auto mail = testing::parse_mail(raw);
    if (testing::decode_words(mail.headers["Subject"]) !=
        "Films from your watchlist are now playing")
      continue;
    ++digests;
    auto text = testing::base64_decode(mail.body);
    EXPECT_NE(text.find("Dune - Lviv"), std::string::npos) << text;
    EXPECT_NE(mail.headers["To"].find("reader@example.com"), std::string::npos);
  }
  EXPECT_EQ(digests, 1u);
  EXPECT_EQ(count(pool, "SELECT count(*) FROM mail_outbox WHERE kind = 'notification_digest'"), 1);

  // Read on one process, seen read on the other.
  auto id = std::string(notice["id"].as_string());
  EXPECT_EQ(other
                .call(V::post, "/api/me/notifications/read",
                      json::serialize(json::object{{"ids", json::array{id}}}))
                .status,
            204u);
  EXPECT_EQ(parse(api.call(V::get, "/api/me/notifications?unread=1").body)["unread"].as_int64(), 0);

  // The account's export holds it, and deleting the account takes it.
  auto exported = parse(api.call(V::get, "/api/me/export").body);
  ASSERT_TRUE(exported.contains("notifications")) << json::serialize(exported);
  EXPECT_EQ(exported["notifications"].as_object()["notices"].as_array().size(), 1u);
  auto del = api.call(V::delete_, "/api/me",
                      json::serialize(json::object{{"password", "violet-kettle-41"}}));
  EXPECT_LT(del.status, 300u) << del.body;
  EXPECT_EQ(count(pool, "SELECT count(*) FROM notify_notices"), 0);
  EXPECT_EQ(count(pool, "SELECT count(*) FROM notify_settings"), 0);
  EXPECT_EQ(count(pool, "SELECT count(*) FROM notify_claims"), 0);
}

}  // namespace
}  // namespace cinestream
