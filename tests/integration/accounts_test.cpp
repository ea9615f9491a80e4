// Accounts through the real binary: every /api/auth and /api/me endpoint with good and bad input,
// tokens (expired, tampered, alg:none, foreign key, refresh reuse), cookies with the CSRF double
// submit, throttling, roles checked by middleware, no account enumeration, password reset and
// email verification through a real SMTP server on loopback, deletion leaving no personal row
// (checked in the store), the operators' CLI and CineLibre's bcrypt hashes. Every test runs on both
// backends: SQLite, and MongoDB (a real server named by CINESTREAM_TEST_MONGO_URI, else the
// wire-protocol peer).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <regex>

#include "cinestream/accounts/access_token.hpp"
#include "cinestream/accounts/secrets.hpp"
#include "cinestream/text/encoding.hpp"
#include "support/eventually.hpp"
#include "support/mail_decode.hpp"
#include "support/mongo_peer.hpp"
#include "support/server_process.hpp"
#include "support/smtp_server.hpp"
#include "support/temp_dir.hpp"

namespace cinestream {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::HttpResult;
using testing::ServerProcess;
namespace json = boost::json;
using V = boost::beast::http::verb;

const std::string kJwtSecret(40, 'j');
const std::string kPassword = "violet-kettle-41";

std::vector<std::string> common_flags(std::vector<std::string> extra = {}) {
  // Tests sign in faster than people: the per-route limits have a test of their own.
  std::map<std::string, std::string> flags{{"--bcrypt-cost", "4"},
                                           {"--jwt-keys", "t1:" + kJwtSecret},
                                           {"--log-level", "warn"},
                                           {"--auth-rate-per-minute", "0"}};
  for (std::size_t i = 0; i + 1 < extra.size(); i += 2)
    flags[extra[i]] = extra[i + 1];
  std::vector<std::string> args;
  for (const auto& [k, v] : flags)
    args.insert(args.end(), {k, v});
  return args;
}

json::object parse(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

std::string error_code(const HttpResult& r) {
  auto o = parse(r.body);
  auto* e = o.if_contains("error");
  if (!e || !e->is_object()) return {};
  return std::string(e->as_object().at("code").as_string());
}

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A client of the API: JSON bodies, a bearer token when it has one.
struct Api {
  explicit Api(std::uint16_t port) : http(port) {}
  HttpResult call(V method, const std::string& target, const std::string& body = {},
                  std::map<std::string, std::string> headers = {}) {
    if (!body.empty() && !headers.contains("Content-Type"))
      headers["Content-Type"] = "application/json";
    if (!token.empty() && !headers.contains("Authorization"))
      headers["Authorization"] = "Bearer " + token;
    return http.request(method, target, std::move(headers), body);
  }
  HttpResult post(const std::string& target, const json::object& body,
                  std::map<std::string, std::string> headers = {}) {
    return call(V::post, target, json::serialize(body), std::move(headers));
  }
  HttpClient http;
  std::string token;
};

json::object registration(const std::string& email, const std::string& name = "Олена") {
  return {{"email", email}, {"password", kPassword}, {"display_name", name}, {"lang", "uk"}};
}

// Registers and signs the client in with tokens; returns the sign-in document.
json::object sign_up(Api& api, const std::string& email) {
  auto r = api.post("/api/auth/register", registration(email));
  EXPECT_EQ(r.status, 201u) << r.body;
  auto doc = parse(r.body);
  api.token = str(doc, "access_token");
  return doc;
}

// Rows of the store that match, asked in each backend's own terms.
struct Rows {
  std::string sql;         // SELECT COUNT(*) ... on the SQLite file
  std::string collection;  // MongoDB: countDocuments(filter) on this collection
  std::string filter = "{}";
};

class Accounts : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "mongodb") {
      CINESTREAM_SKIP_WITHOUT_MONGO();
      mongo_uri_ = testing::mongo_target().uri(testing::unique_database("cs_acc"));
    }
  }
  void TearDown() override {
    if (!mongo_uri_.empty()) testing::drop_database(mongo_uri_);
  }

  std::vector<std::string> server_flags(std::vector<std::string> extra = {}) const {
    auto args = common_flags(std::move(extra));
    if (!mongo_uri_.empty()) args.insert(args.end(), {"--mongo-uri", mongo_uri_});
    return args;
  }

  // `cinestream users ...` on this test's store; its exit status.
  int run_cli(const std::string& args, const std::string& input = {}) const {
    auto cmd = fmt::format(
        "printf '%s\\n' '{}' | {} users --data-dir {} --env-file {}/.env-none "
        "--bcrypt-cost 4 {} {} >{}/cli.log 2>&1",
        input, CINESTREAM_BINARY, dir.str(), dir.str(),
        mongo_uri_.empty() ? std::string() : "--mongo-uri '" + mongo_uri_ + "'", args, dir.str());
    std::ofstream(dir.str() + "/.env-none").flush();
    ::chmod((dir.str() + "/.env-none").c_str(), 0600);
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Rows in the store, read beside the server (SQLite in WAL mode; -1 when unreadable).
  std::int64_t rows(const Rows& q) const {
    return mongo_uri_.empty() ? sqlite_rows(q.sql) : mongo_rows(q.collection, q.filter);
  }

  testing::TempDir dir;

 private:
  std::int64_t sqlite_rows(const std::string& sql) const {
    sqlite3* db = nullptr;
    std::int64_t n = -1;
    if (sqlite3_open_v2((dir.str() + "/cinestream.sqlite3").c_str(), &db, SQLITE_OPEN_READONLY,
                        nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
  }
  std::int64_t mongo_rows(const std::string& collection, const std::string& filter) const {
    bson_error_t error;
    bson_t* query =
        bson_new_from_json(reinterpret_cast<const std::uint8_t*>(filter.data()), -1, &error);
    if (!query) {
      ADD_FAILURE() << "bad filter " << filter << ": " << error.message;
      return -1;
    }
    mongoc_client_t* client = mongoc_client_new(mongo_uri_.c_str());
    mongoc_collection_t* coll = mongoc_client_get_collection(
        client, mongoc_uri_get_database(mongoc_client_get_uri(client)), collection.c_str());
    std::int64_t n =
        mongoc_collection_count_documents(coll, query, nullptr, nullptr, nullptr, &error);
    if (n < 0) ADD_FAILURE() << "count " << collection << ": " << error.message;
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);
    bson_destroy(query);
    return n;
  }
  std::string mongo_uri_;
};

std::string backend_name(const ::testing::TestParamInfo<std::string>& param) {
  return param.param;
}

INSTANTIATE_TEST_SUITE_P(Backends, Accounts, ::testing::Values("sqlite", "mongodb"), backend_name);

std::string signed_token(const accounts::AccessClaims& c, const std::string& kid,
                         const std::string& secret) {
  return accounts::sign_access_token(c, accounts::KeyRing({{kid, secret}}));
}

std::chrono::sys_seconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// --- registration, sign-in, tokens ---------------------------------------------------------------

TEST_P(Accounts, RegisterSignInRefreshAndSignOut) {
  ServerProcess s(dir.str(), server_flags());
  Api api(s.port());
  auto reg = sign_up(api, "Olena.Koval@Example.com");
  EXPECT_EQ(str(reg.at("user").as_object(), "email"), "olena.koval@example.com");
  EXPECT_EQ(str(reg, "token_type"), "Bearer");
  EXPECT_FALSE(str(reg, "refresh_token").empty());
  auto me = api.call(V::get, "/api/me");
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(me.header("cache-control"), "no-store");
  EXPECT_EQ(str(parse(me.body).at("user").as_object(), "display_name"), "Олена");
  EXPECT_EQ(parse(me.body).at("user").at("email_verified").as_bool(), false);

  // The same address in other letter case is the same account.
  auto twice = api.post("/api/auth/register", registration("OLENA.KOVAL@example.COM"));
  EXPECT_EQ(twice.status, 409u);
  EXPECT_EQ(error_code(twice), "email_taken");

  Api other(s.port());
  auto login = other.post("/api/auth/login",
                          {{"email", "olena.koval@EXAMPLE.com"}, {"password", kPassword}});
  ASSERT_EQ(login.status, 200u) << login.body;
  auto first_refresh = str(parse(login.body), "refresh_token");

  auto r1 = other.post("/api/auth/refresh", {{"refresh_token", first_refresh}});
  ASSERT_EQ(r1.status, 200u) << r1.body;
  auto second_refresh = str(parse(r1.body), "refresh_token");
  EXPECT_NE(second_refresh, first_refresh) << "rotated on every use";
  other.token = str(parse(r1.body), "access_token");
  EXPECT_EQ(other.call(V::get, "/api/me").status, 200u);

  // The first token again: stolen. The whole family ends, the newest token included.
  auto reuse = other.post("/api/auth/refresh", {{"refresh_token", first_refresh}});
  EXPECT_EQ(reuse.status, 401u);
  EXPECT_EQ(error_code(reuse), "refresh_token_reused");
  auto after = other.post("/api/auth/refresh", {{"refresh_token", second_refresh}});
  EXPECT_EQ(after.status, 401u);
  EXPECT_EQ(error_code(after), "invalid_refresh_token");
  EXPECT_EQ(rows({"SELECT COUNT(*) FROM accounts_audit WHERE kind = 'refresh_reused'",
                  "accounts_audit", R"({"kind": "refresh_reused"})"}),
            1);

  // Signing out ends the session; its refresh token no longer works.
  auto own_refresh = str(reg, "refresh_token");
  EXPECT_EQ(api.post("/api/auth/logout", {{"refresh_token", own_refresh}}).status, 204u);
  EXPECT_EQ(api.post("/api/auth/refresh", {{"refresh_token", own_refresh}}).status, 401u);
}

TEST_P(Accounts, BadInputGetsAClearErrorAndWritesNothing) {
  ServerProcess s(dir.str(), server_flags());
  Api api(s.port());
  struct Case {
    std::string body;
    unsigned status;
    std::string code;
  };
  auto with = [](std::string key, json::value v) {
    auto o = registration("new@example.com");
    o[key] = std::move(v);
    return json::serialize(o);
  };
  std::vector<Case> cases{
      {"{not json", 400, "invalid_json"},
      {"[1,2]", 400, "invalid_json"},
      {R"({"email":"a@example.com","password":"violet-kettle-41","display_name":"A","admin":true})",
       400, "unknown_field"},
      {"{\"email\":\"a@example.com\",\"password\":\"violet-kettle-41\",\"display_name\":"
       "\"\xff\xfe\"}",
       400, "invalid_json"},
      {with("email", json::string(std::string(2000, 'a') + "@example.com")), 400, "field_too_long"},
      {with("email", "not-an-address"), 400, "invalid_email"},
      {with("email", 42), 400, "invalid_field"},
      {with("password", "short"), 400, "password_too_short"},
      {with("password", json::string(std::string(129, 'x'))), 400, "password_too_long"},
      {with("password", "qwertyuiop"), 400, "password_common"},
      {with("display_name", "<img src=x onerror=alert(1)>"), 400, "invalid_display_name"},
      {with("display_name",
            "evil\xe2\x80\xae"
            "gnp.exe"),
       400, "invalid_display_name"},
      {with("lang", "de"), 400, "invalid_lang"},
      {with("home_city", "atlantis"), 400, "unknown_city"},
      {R"({"email":"a@example.com"})", 400, "missing_field"},
  };
  for (const auto& c : cases) {
    auto r = api.call(V::post, "/api/auth/register", c.body);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 80) << " -> " << r.body;
    EXPECT_EQ(error_code(r), c.code) << c.body.substr(0, 80) << " -> " << r.body;
  }
  // Not JSON at all: the API's CSRF rule answers before the route.
  auto form = api.call(V::post, "/api/auth/register", "email=a", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(form.status, 415u);
  EXPECT_EQ(rows({"SELECT COUNT(*) FROM accounts_users", "accounts_users"}), 0);
  EXPECT_EQ(rows({"SELECT COUNT(*) FROM mail_outbox", "mail_outbox"}), 0);
  // The process is fine: a good registration still works.
  EXPECT_EQ(api.post("/api/auth/register", registration("fine@example.com")).status, 201u);
}

TEST_P(Accounts, ExpiredTamperedForeignAndAlgNoneTokensAreRefused) {
  ServerProcess s(dir.str(), server_flags());
  Api api(s.port());
  auto reg = sign_up(api, "t@example.com");
  std::string id = str(reg.at("user").as_object(), "id");
  std::string sid = str(reg, "session_id");
  auto now = now_s();
  struct Case {
    std::string name, token, code;
  };
  std::string good = api.token;
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  auto dot = good.find('.');
  auto none = text::base64url_encode(R"({"alg":"none","typ":"JWT","kid":"t1"})") +
              good.substr(dot, good.rfind('.') - dot) + ".";
  std::vector<Case> cases{
      {"expired",
       signed_token({id, accounts::Role::admin, sid, now - 2h, now - 1h}, "t1", kJwtSecret),
       "token_expired"},
      {"tampered", tampered, "token_signature"},
      {"foreign key",
       signed_token({id, accounts::Role::customer, sid, now, now + 10min}, "t1",
                    std::string(40, 'z')),
       "token_signature"},
      {"unknown kid",
       signed_token({id, accounts::Role::customer, sid, now, now + 10min}, "t9", kJwtSecret),
       "token_unknown_key"},
      {"alg none", none, "token_algorithm"},
      {"garbage", "abc", "token_malformed"},
  };
  for (const auto& c : cases) {
    auto r = api.call(V::get, "/api/me", {}, {{"Authorization", "Bearer " + c.token}});
    EXPECT_EQ(r.status, 401u) << c.name;
    EXPECT_EQ(error_code(r), c.code) << c.name << ": " << r.body;
    EXPECT_NE(r.header("www-authenticate").find("Bearer"), std::string::npos) << c.name;
  }
  auto basic = api.call(V::get, "/api/me", {}, {{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(basic.status, 401u);
  // Public routes still answer whatever the credentials.
  EXPECT_EQ(api.call(V::get, "/api/locations", {}, {{"Authorization", "Bearer abc"}}).status, 200u);
  // A token signed by the server's own key for the same user works.
  EXPECT_EQ(api.call(V::get, "/api/me", {}, {{"Authorization", "Bearer " + good}}).status, 200u);
}

// The server's own count of bcrypt verifications (cinestream_accounts_events_total).
std::int64_t verifications(std::uint16_t port) {
  HttpClient http(port);
  auto r = http.request(V::get, "/metrics", {}, "");
  std::smatch m;
  std::regex re(R"(cinestream_accounts_events_total\{event="password_verify"\} (\d+))");
  return std::regex_search(r.body, m, re) ? std::stoll(m[1].str()) : -1;
}

TEST_P(Accounts, WrongPasswordAndUnknownEmailLookAlike) {
  // Cost 10 (about 50 ms): long enough that a skipped bcrypt would show. Hashing at nice 0: at
  // the default 19 its speed follows whatever else the machine runs (a parallel test, a build),
  // and that noise is not what this test measures.
  ServerProcess s(dir.str(), server_flags({"--bcrypt-cost", "10", "--cpu-nice", "0"}));
  Api api(s.port());
  sign_up(api, "known@example.com");
  int attempts = 0;
  auto attempt = [&](const std::string& email) {
    auto started = std::chrono::steady_clock::now();
    auto r = api.post("/api/auth/login",
                      {{"email", email}, {"password", fmt::format("wrong-password-{}", attempts)}});
    auto took = std::chrono::steady_clock::now() - started;
    ++attempts;
    return std::make_pair(r, std::chrono::duration<double, std::milli>(took).count());
  };
  // Both answers cost one bcrypt verification: counted by the server, so no timing noise.
  auto before = verifications(s.port());
  auto w0 = attempt("known@example.com").first;
  EXPECT_EQ(verifications(s.port()), before + 1) << "a wrong password is verified";
  auto u0 = attempt("nobody@example.com").first;
  EXPECT_EQ(verifications(s.port()), before + 2) << "an unknown address is verified too";
  EXPECT_EQ(w0.status, 401u);
  EXPECT_EQ(u0.status, 401u);
  EXPECT_EQ(w0.body, u0.body) << "the same answer, byte for byte";
  // And the times agree within 20% (medians of interleaved attempts). A machine busy with other
  // work can disturb one series: three series are tried before the check fails. Four accounts
  // take the wrong passwords so that none passes its 5 free failures, and the 26 failures in all
  // stay under the client's 30.
  for (int i = 0; i < 4; ++i) {
    Api other(s.port());
    sign_up(other, fmt::format("known{}@example.com", i));
  }
  double a = 0, b = 0;
  for (int series = 0; series < 3; ++series) {
    std::vector<double> wrong, unknown;
    for (int i = 0; i < 4; ++i) {
      wrong.push_back(attempt(fmt::format("known{}@example.com", i)).second);
      unknown.push_back(attempt(fmt::format("nobody{}-{}@example.com", series, i)).second);
    }
    std::sort(wrong.begin(), wrong.end());
    std::sort(unknown.begin(), unknown.end());
    a = (wrong[1] + wrong[2]) / 2;
    b = (unknown[1] + unknown[2]) / 2;
    if (std::abs(a - b) < 0.2 * std::max(a, b)) break;
  }
  EXPECT_LT(std::abs(a - b), 0.2 * std::max(a, b))
      << "median wrong password " << a << " ms, unknown email " << b << " ms";
}

TEST_P(Accounts, RepeatedFailuresLockTheAccountWithRetryAfterAndAreAudited) {
  ServerProcess s(dir.str(), server_flags());
  Api api(s.port());
  sign_up(api, "locked@example.com");
  for (int i = 0; i < 5; ++i) {
    auto r = api.post("/api/auth/login",
                      {{"email", "locked@example.com"}, {"password", "nope-nope-nope"}});
    EXPECT_EQ(r.status, 401u) << i;
  }
  auto sixth = api.post("/api/auth/login",
                        {{"email", "locked@example.com"}, {"password", "nope-nope-nope"}});
  EXPECT_EQ(sixth.status, 401u) << "the failure that locks is still answered as a failure";
  auto locked =
      api.post("/api/auth/login", {{"email", "locked@example.com"}, {"password", kPassword}});
  EXPECT_EQ(locked.status, 429u) << "even the right password waits";
  EXPECT_EQ(error_code(locked), "login_throttled");
  EXPECT_GE(std::stoi(locked.header("retry-after").empty() ? "0" : locked.header("retry-after")),
            1);
  // An unknown address locks the same way (locking only real accounts would reveal them).
  for (int i = 0; i < 6; ++i)
    api.post("/api/auth/login", {{"email", "ghost@example.com"}, {"password", "nope-nope-nope"}});
  EXPECT_EQ(
      api.post("/api/auth/login", {{"email", "ghost@example.com"}, {"password", "x-y-z-w-v-u"}})
          .status,
      429u);
  auto audited = [&](const std::string& kind) {
    return rows({fmt::format("SELECT COUNT(*) FROM accounts_audit WHERE kind = '{}'", kind),
                 "accounts_audit", fmt::format(R"({{"kind": "{}"}})", kind)});
  };
  EXPECT_EQ(audited("login_failed"), 12);
  EXPECT_GE(audited("login_lock"), 2);
  EXPECT_GE(audited("login_locked"), 2);
}

// --- cookies and CSRF ----------------------------------------------------------------------------

std::map<std::string, std::string> cookies_of(const HttpResult& r, const std::string& raw_headers) {
  (void)r;
  std::map<std::string, std::string> out;
  std::regex re("Set-Cookie: ([a-z_]+)=([^;\r\n]*)", std::regex::icase);
  for (auto it = std::sregex_iterator(raw_headers.begin(), raw_headers.end(), re);
       it != std::sregex_iterator(); ++it)
    out[(*it)[1]] = (*it)[2];
  return out;
}

TEST_P(Accounts, BrowserCookiesNeedTheDoubleSubmitTokenForUnsafeRequests) {
  ServerProcess s(dir.str(), server_flags());
  {
    Api api(s.port());
    sign_up(api, "web@example.com");
  }
  // Raw, to see every Set-Cookie line.
  HttpClient raw(s.port());
  std::string body =
      R"({"email":"web@example.com","password":"violet-kettle-41","session":"cookie"})";
  auto text = raw.raw(fmt::format(
      "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
      body.size(), body));
  ASSERT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
  EXPECT_EQ(text.find("access_token"), std::string::npos) << "no token in a page's JSON";
  EXPECT_NE(text.find("cs_access="), std::string::npos);
  EXPECT_NE(text.find("; Path=/api; Max-Age=900; SameSite=Lax; HttpOnly"), std::string::npos)
      << text;
  EXPECT_NE(text.find("; Path=/api/auth; Max-Age=2592000; SameSite=Lax; HttpOnly"),
            std::string::npos);
  auto jar = cookies_of({}, text);
  ASSERT_TRUE(jar.contains("cs_access") && jar.contains("cs_refresh") && jar.contains("cs_csrf"));
  std::string cookie = fmt::format("cs_access={}; cs_refresh={}; cs_csrf={}", jar["cs_access"],
                                   jar["cs_refresh"], jar["cs_csrf"]);
  Api web(s.port());
  EXPECT_EQ(web.call(V::get, "/api/me", {}, {{"Cookie", cookie}}).status, 200u);
  auto patch = R"({"lang":"en"})";
  auto no_token = web.call(V::patch, "/api/me", patch, {{"Cookie", cookie}});
  EXPECT_EQ(no_token.status, 403u);
  EXPECT_EQ(error_code(no_token), "csrf_token_invalid");
  auto wrong =
      web.call(V::patch, "/api/me", patch, {{"Cookie", cookie}, {"X-CSRF-Token", "guess"}});
  EXPECT_EQ(wrong.status, 403u);
  auto foreign = web.call(
      V::patch, "/api/me", patch,
      {{"Cookie", cookie}, {"X-CSRF-Token", jar["cs_csrf"]}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(foreign.status, 403u) << "the Origin check runs first";
  auto ok =
      web.call(V::patch, "/api/me", patch, {{"Cookie", cookie}, {"X-CSRF-Token", jar["cs_csrf"]}});
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(str(parse(ok.body).at("user").as_object(), "lang"), "en");
  // The refresh cookie also needs the token.
  EXPECT_EQ(web.call(V::post, "/api/auth/refresh", "{}", {{"Cookie", cookie}}).status, 403u);
  auto refreshed = web.call(V::post, "/api/auth/refresh", "{}",
                            {{"Cookie", cookie}, {"X-CSRF-Token", jar["cs_csrf"]}});
  EXPECT_EQ(refreshed.status, 200u) << refreshed.body;
  EXPECT_EQ(refreshed.body.find("refresh_token"), std::string::npos);
}

// --- roles ---------------------------------------------------------------------------------------

TEST_P(Accounts, RolesAreCheckedByMiddleware) {
  ASSERT_EQ(run_cli("create --email root@example.com --display-name Root --role admin",
                    "admin-password-77"),
            0);
  ASSERT_EQ(run_cli("create --email desk@example.com --display-name Desk --role staff",
                    "staff-password-77"),
            0);
  ServerProcess s(dir.str(), server_flags());
  Api anonymous(s.port());
  auto none = anonymous.call(V::get, "/api/admin/users");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(error_code(none), "unauthenticated");
  Api customer(s.port());
  auto reg = sign_up(customer, "c@example.com");
  EXPECT_EQ(customer.call(V::get, "/api/admin/users").status, 403u);
  auto login = [&](Api& a, const std::string& email, const std::string& password) {
    auto r = a.post("/api/auth/login", {{"email", email}, {"password", password}});
    ASSERT_EQ(r.status, 200u) << r.body;
    a.token = str(parse(r.body), "access_token");
  };
  Api staff(s.port());
  login(staff, "desk@example.com", "staff-password-77");
  auto list = staff.call(V::get, "/api/admin/users?limit=10");
  ASSERT_EQ(list.status, 200u) << list.body;
  EXPECT_EQ(parse(list.body).at("users").as_array().size(), 3u);
  EXPECT_EQ(staff.call(V::get, "/api/admin/users?limit=5000").status, 400u);
  std::string target = fmt::format("/api/admin/users/{}", str(reg.at("user").as_object(), "id"));
  EXPECT_EQ(staff.call(V::patch, target, R"({"role":"manager"})").status, 403u)
      << "staff may look, not change";
  Api admin(s.port());
  login(admin, "root@example.com", "admin-password-77");
  auto promoted = admin.call(V::patch, target, R"({"role":"manager"})");
  ASSERT_EQ(promoted.status, 200u) << promoted.body;
  EXPECT_EQ(str(parse(promoted.body).at("user").as_object(), "role"), "manager");
  EXPECT_EQ(error_code(admin.call(V::patch, target, R"({"role":"god"})")), "invalid_role");
  // Disabling ends the account's sessions and sign-ins.
  EXPECT_EQ(admin.call(V::patch, target, R"({"disabled":true})").status, 200u);
  EXPECT_EQ(
      customer.post("/api/auth/refresh", {{"refresh_token", str(reg, "refresh_token")}}).status,
      401u);
  auto refused =
      customer.post("/api/auth/login", {{"email", "c@example.com"}, {"password", kPassword}});
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(error_code(refused), "account_disabled");
  EXPECT_EQ(customer.call(V::get, "/api/me").status, 401u) << "its access token no longer serves";
  // The CLI changes roles too.
  EXPECT_EQ(run_cli("set-role desk@example.com manager"), 0);
  EXPECT_EQ(run_cli("set-role nobody@example.com admin"), 2);
}

// --- email: verification, reset, SMTP ------------------------------------------------------------

std::string token_in(const std::string& text, const std::string& kind) {
  std::smatch m;
  std::regex re(kind + "=([A-Za-z0-9_-]+)");
  return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

TEST_P(Accounts, VerificationAndPasswordResetGoThroughARealSmtpServer) {
  testing::SmtpServer smtp(dir.path() / "smtp",
                           {.starttls = true, .user = "mailer", .password = "mail-secret"});
  ASSERT_TRUE(smtp.running()) << smtp.log();
  auto data = dir.path() / "data";
  std::filesystem::create_directories(data);
  ServerProcess s(
      data.string(),
      server_flags({"--smtp-url", smtp.url(), "--smtp-user", "mailer", "--smtp-ca-file",
                    smtp.ca_file(), "--smtp-from", "CineStream <noreply@cinestream.test>",
                    "--public-origin", "https://cinestream.test"}),
      {{"SMTP_PASSWORD", "mail-secret"}});
  Api api(s.port());
  auto reg = api.post("/api/auth/register",
                      {{"email", "reader@example.com"},
                       {"password", kPassword},
                       {"display_name", "Reader"},
                       {"lang", "en"}},
                      {{"Origin", "https://cinestream.test"}});
  ASSERT_EQ(reg.status, 201u) << reg.body;
  api.token = str(parse(reg.body), "access_token");
  ASSERT_TRUE(testing::eventually([&] { return smtp.messages().size() == 1; }, 15s))
      << s.log() << smtp.log();
  auto welcome = testing::parse_mail(smtp.messages()[0]);
  EXPECT_EQ(welcome.headers["Subject"], "CineStream: confirm your address") << "in English";
  auto text = testing::base64_decode(welcome.body);
  EXPECT_NE(text.find("https://cinestream.test/account.html#verify="), std::string::npos) << text;
  auto verify = token_in(text, "verify");
  ASSERT_FALSE(verify.empty());
  auto ok = api.post("/api/auth/verify-email", {{"token", verify}});
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(api.post("/api/auth/verify-email", {{"token", verify}}).status, 400u) << "single use";
  EXPECT_TRUE(parse(api.call(V::get, "/api/me").body).at("user").at("email_verified").as_bool());

  // Forgot password: the same answer for an unknown address, and no mail for it.
  auto unknown = api.post("/api/auth/forgot-password", {{"email", "nobody@example.com"}});
  auto known = api.post("/api/auth/forgot-password", {{"email", "Reader@example.com"}});
  EXPECT_EQ(unknown.status, 202u);
  EXPECT_EQ(known.status, 202u);
  EXPECT_EQ(unknown.body, known.body);
  ASSERT_TRUE(testing::eventually([&] { return smtp.messages().size() == 2; }, 15s)) << s.log();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(smtp.messages().size(), 2u) << "nothing sent to the unknown address";
  auto reset_mail = testing::parse_mail(smtp.messages()[1]);
  EXPECT_EQ(reset_mail.headers["To"], "reader@example.com");
  auto reset = token_in(testing::base64_decode(reset_mail.body), "reset");
  ASSERT_FALSE(reset.empty());
  auto weak = api.post("/api/auth/reset-password", {{"token", reset}, {"password", "1234567890"}});
  EXPECT_EQ(error_code(weak), "password_common") << "a refused password keeps the link";
  auto done = api.post("/api/auth/reset-password",
                       {{"token", reset}, {"password", "new-violet-kettle-42"}});
  ASSERT_EQ(done.status, 200u) << done.body;
  EXPECT_EQ(
      api.post("/api/auth/reset-password", {{"token", reset}, {"password", "new-violet-kettle-43"}})
          .status,
      400u);
  // Every session was revoked; the new password signs in, the old one does not.
  EXPECT_EQ(
      api.post("/api/auth/refresh", {{"refresh_token", str(parse(reg.body), "refresh_token")}})
          .status,
      401u);
  EXPECT_EQ(api.post("/api/auth/login", {{"email", "reader@example.com"}, {"password", kPassword}})
                .status,
            401u);
  EXPECT_EQ(api.post("/api/auth/login",
                     {{"email", "reader@example.com"}, {"password", "new-violet-kettle-42"}})
                .status,
            200u);
}

// --- the account page's endpoints ----------------------------------------------------------------

TEST_P(Accounts, ProfileSessionsPasswordAndExport) {
  ServerProcess s(dir.str(), server_flags());
  Api phone(s.port()), laptop(s.port());
  auto reg = sign_up(phone, "me@example.com");
  auto login =
      laptop.post("/api/auth/login", {{"email", "me@example.com"}, {"password", kPassword}},
                  {{"User-Agent", "Laptop Browser"}});
  ASSERT_EQ(login.status, 200u);
  laptop.token = str(parse(login.body), "access_token");

  auto patched = phone.call(
      V::patch, "/api/me",
      R"({"display_name":"  Олена К. ","home_city":"kyiv","notifications":{"newsletter":true}})");
  ASSERT_EQ(patched.status, 200u) << patched.body;
  auto user = parse(patched.body).at("user").as_object();
  EXPECT_EQ(str(user, "display_name"), "Олена К.");
  EXPECT_EQ(str(user, "home_city"), "kyiv");
  EXPECT_TRUE(user.at("notifications").at("newsletter").as_bool());
  EXPECT_EQ(error_code(phone.call(V::patch, "/api/me", R"({"notifications":{"spam":true}})")),
            "unknown_field");
  EXPECT_EQ(error_code(phone.call(V::patch, "/api/me", R"({"role":"admin"})")), "unknown_field");

  auto sessions = parse(phone.call(V::get, "/api/me/sessions").body).at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 2u);
  std::string laptop_session;
  for (const auto& v : sessions) {
    const auto& o = v.as_object();
    if (str(o, "device") == "Laptop Browser") laptop_session = str(o, "id");
    EXPECT_EQ(o.at("current").as_bool(), str(o, "id") == str(reg, "session_id"));
  }
  ASSERT_FALSE(laptop_session.empty());
  EXPECT_EQ(phone.call(V::delete_, "/api/me/sessions/" + laptop_session).status, 204u);
  EXPECT_EQ(phone.call(V::delete_, "/api/me/sessions/" + laptop_session).status, 404u);
  EXPECT_EQ(
      laptop.post("/api/auth/refresh", {{"refresh_token", str(parse(login.body), "refresh_token")}})
          .status,
      401u);

  auto wrong = phone.post("/api/me/password", {{"current_password", "not-it-at-all"},
                                               {"new_password", "another-kettle-55"}});
  EXPECT_EQ(error_code(wrong), "wrong_password");
  EXPECT_EQ(phone
                .post("/api/me/password",
                      {{"current_password", kPassword}, {"new_password", "another-kettle-55"}})
                .status,
            204u);
  EXPECT_EQ(phone.post("/api/auth/refresh", {{"refresh_token", str(reg, "refresh_token")}}).status,
            200u)
      << "the session that changed the password stays";

  auto exported = phone.call(V::get, "/api/me/export");
  ASSERT_EQ(exported.status, 200u);
  EXPECT_NE(exported.header("content-disposition").find("attachment"), std::string::npos);
  auto doc = parse(exported.body);
  EXPECT_EQ(str(doc.at("account").as_object(), "email"), "me@example.com");
  EXPECT_FALSE(doc.at("sign_in_history").as_array().empty());
  EXPECT_EQ(exported.body.find("$2b$"), std::string::npos) << "no hash in the export";
  EXPECT_EQ(exported.body.find("password_hash"), std::string::npos);

  auto everywhere = phone.post("/api/auth/logout-all", json::object{});
  EXPECT_EQ(everywhere.status, 200u) << everywhere.body;
}

TEST_P(Accounts, DeletingTheAccountLeavesNoPersonalRowInTheStore) {
  ServerProcess s(dir.str(), server_flags());
  Api api(s.port()), other(s.port());
  auto reg = sign_up(api, "leaving@example.com");
  sign_up(other, "staying@example.com");
  std::string id = str(reg.at("user").as_object(), "id");
  api.post("/api/auth/login",
           {{"email", "leaving@example.com"}, {"password", "wrong-wrong-wrong"}});
  api.post("/api/auth/forgot-password", {{"email", "leaving@example.com"}});
  // Every place that holds something of the account, asked before and after.
  const std::vector<Rows> personal{
      {fmt::format("SELECT COUNT(*) FROM accounts_users WHERE id = '{}' OR email = "
                   "'leaving@example.com'",
                   id),
       "accounts_users",
       fmt::format(R"({{"$or": [{{"id": "{}"}}, {{"email": "leaving@example.com"}}]}})", id)},
      {fmt::format("SELECT COUNT(*) FROM accounts_sessions WHERE user_id = '{}'", id),
       "accounts_sessions", fmt::format(R"({{"user_id": "{}"}})", id)},
      {fmt::format("SELECT COUNT(*) FROM accounts_one_time_tokens WHERE user_id = '{}'", id),
       "accounts_one_time_tokens", fmt::format(R"({{"user_id": "{}"}})", id)},
      {fmt::format("SELECT COUNT(*) FROM accounts_audit WHERE user_id = '{}' OR email = "
                   "'leaving@example.com' OR detail LIKE '%leaving%'",
                   id),
       "accounts_audit",
       fmt::format(R"({{"$or": [{{"user_id": "{}"}}, {{"email": "leaving@example.com"}},
                                {{"detail": {{"$regex": "leaving"}}}}]}})",
                   id)},
      {"SELECT COUNT(*) FROM accounts_login_throttle WHERE key LIKE '%leaving%'",
       "accounts_login_throttle", R"({"key": {"$regex": "leaving"}})"},
      {"SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'leaving@example.com'", "mail_outbox",
       R"({"to": "leaving@example.com"})"},
  };
  for (const auto& q : personal)
    EXPECT_GT(rows(q), 0) << "before: " << q.sql;
  auto refused = api.call(V::delete_, "/api/me", R"({"password":"wrong-wrong-wrong"})");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(api.call(V::delete_, "/api/me", "{}").status, 400u) << "the password is required";
  auto gone =
      api.call(V::delete_, "/api/me", json::serialize(json::object{{"password", kPassword}}));
  ASSERT_EQ(gone.status, 204u) << gone.body;
  for (const auto& q : personal)
    EXPECT_EQ(rows(q), 0) << "after: " << q.sql;
  EXPECT_EQ(rows({"SELECT COUNT(*) FROM accounts_users", "accounts_users"}), 1)
      << "the other stays";
  EXPECT_EQ(api.call(V::get, "/api/me").status, 401u);
  EXPECT_EQ(api.post("/api/auth/login", {{"email", "leaving@example.com"}, {"password", kPassword}})
                .status,
            401u);
}

TEST_P(Accounts, AnonymousAuthRoutesAreRateLimitedPerClient) {
  ServerProcess s(dir.str(), server_flags({"--auth-rate-per-minute", "30"}));
  Api api(s.port());
  int limited = 0;
  for (int i = 0; i < 14; ++i) {
    auto r = api.post("/api/auth/login", {{"email", fmt::format("x{}@example.com", i)},
                                          {"password", "whatever-it-is"}});
    if (r.status == 429u) {
      ++limited;
      EXPECT_EQ(error_code(r), "rate_limited");
      EXPECT_FALSE(r.header("retry-after").empty());
    }
  }
  EXPECT_GE(limited, 3) << "a burst of 10, then 30 a minute";
}

// --- CineLibre's users ---------------------------------------------------------------------------

TEST_P(Accounts, ImportedPythonBcryptUsersSignInAndTheirHashIsUpgraded) {
  {
    std::ofstream f(dir.str() + "/users.jsonl");
    // Hashes made by Python's bcrypt 3.2.2 ($2a$ cost 5, $2b$ cost 4) for "correct horse battery".
    f << R"({"email":"Anna@Example.com","hashed_password":"$2a$05$nChl47Ap054C1mqmpHMdMOzhwLqO5sDvJIHkImjcm6dJ3lUm3itOC","username":"anna","role":"customer"})"
      << "\n"
      << R"({"email":"bob@example.com","password_hash":"$2b$04$Ekl5l61z2cmN6IHUW.pl3eQBnNwzzSdJ0BSiDI5IiAt6PqjFs.vhS","display_name":"Bob"})"
      << "\n"
      << R"({"email":"bad@example.com","password_hash":"md5:abc"})"
      << "\n"
      << "not json\n";
  }
  EXPECT_EQ(run_cli(fmt::format("import {}/users.jsonl", dir.str())), 3)
      << "rejected lines are reported in the status";
  EXPECT_EQ(rows({"SELECT COUNT(*) FROM accounts_users", "accounts_users"}), 2);
  EXPECT_EQ(run_cli(fmt::format("import {}/users.jsonl", dir.str())), 3);
  EXPECT_EQ(rows({"SELECT COUNT(*) FROM accounts_users", "accounts_users"}), 2) << "no duplicates";
  ServerProcess s(dir.str(), server_flags({"--bcrypt-cost", "6"}));
  Api api(s.port());
  auto r = api.post("/api/auth/login",
                    {{"email", "anna@example.com"}, {"password", "correct horse battery"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(str(parse(r.body).at("user").as_object(), "display_name"), "anna");
  EXPECT_EQ(
      rows({"SELECT COUNT(*) FROM accounts_users WHERE email = 'anna@example.com' AND "
            "password_hash LIKE '$2b$06$%'",
            "accounts_users",
            R"({"email": "anna@example.com", "password_hash": {"$regex": "^\\$2b\\$06\\$"}})"}),
      1)
      << "cost 5 upgraded to the configured 6 at sign-in";
  EXPECT_EQ(api.post("/api/auth/login",
                     {{"email", "bob@example.com"}, {"password", "correct horse battery"}})
                .status,
            200u);
}

}  // namespace
}  // namespace cinestream
