#pragma once
// The accounts logic, free of HTTP: registration, sign-in with throttling, token issue and
// rotation, email verification, password reset, the profile, sessions, export and deletion, and
// the operators' actions. Store calls run on the db pool and bcrypt on the cpu pool, both
// awaited: nothing here blocks an event loop.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/accounts/access_token.hpp"
#include "cinestream/accounts/accounts_store.hpp"
#include "cinestream/accounts/password_hasher.hpp"
#include "cinestream/runtime/blocking_pool.hpp"
#include "cinestream/store/async_store.hpp"

namespace cinestream::accounts {

// A refusal the API shows as {"error": {code, message}} with the status of its kind.
class AccountError : public std::runtime_error {
 public:
  enum class Kind { invalid, unauthorized, forbidden, not_found, conflict, throttled };
  AccountError(Kind kind, std::string code, std::string message,
               std::chrono::seconds retry_after = std::chrono::seconds(0))
      : std::runtime_error(message),
        kind_(kind),
        code_(std::move(code)),
        retry_after_(retry_after) {}
  Kind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  Kind kind_;
  std::string code_;
  std::chrono::seconds retry_after_;
};

struct AccountsOptions {
  int bcrypt_cost = kDefaultBcryptCost;
  std::chrono::seconds access_lifetime = kAccessTokenLifetime;
  std::chrono::seconds refresh_lifetime{30 * 24 * 3600};
  std::chrono::seconds reset_lifetime{30 * 60};
  std::chrono::seconds verify_lifetime{48 * 3600};
  ThrottlePolicy account_throttle{};                    // per email address
  ThrottlePolicy client_throttle{.free_failures = 30};  // per client address block
  // Links in emails: "<public_origin>/account.html#verify=<token>" (a fragment is never sent to a
  // server, so the token stays out of access logs).
  std::string public_origin = "http://localhost:8080";
  // Requests per minute per client to each anonymous /api/auth route (sign-up, sign-in, refresh,
  // reset, verification), burst 10; 0 = unlimited. Sign-in failures are throttled separately.
  double auth_rate_per_minute = 30;
  // Called after a write queued mail (verification, reset), so the outbox worker sends it now
  // rather than at its next poll; unset: nothing.
  std::function<void()> mail_queued;
  // A city id is valid when this says so (the catalog); unset: any non-empty id.
  std::function<bool(std::string_view)> known_city;
};

struct ClientInfo {
  std::string address;     // for the audit log
  std::string client_key;  // the address block throttling counts by (http::client_key)
  std::string device;      // User-Agent, cleaned
};

struct SignedIn {
  User user;
  Session session;
  std::string access_token;
  SysSeconds access_expires{};
  std::string refresh_token;  // the only time it exists in clear
};

struct RegisterInput {
  std::string email, password, display_name, lang = "uk", home_city;
};

struct ProfilePatch {
  std::optional<std::string> display_name, lang, home_city;
  std::optional<bool> notify_film_in_my_city, notify_newsletter;
};

struct AccountsCounters {
  std::atomic<std::uint64_t> registrations{0}, sign_ins{0}, sign_in_failures{0}, locks{0},
      refreshes{0}, refresh_reuse{0}, password_resets{0}, deletions{0},
      // bcrypt runs on the cpu pool: what sign-ins cost, and proof that an unknown address
      // costs a verification too.
      password_hashes{0}, password_verifications{0};
};

// Personal data another feature keeps about a user (a library, notifications): it joins the
// account's export under `name` and is erased before the account is.
struct PersonalData {
  std::string name;
  std::function<boost::asio::awaitable<boost::json::value>(std::string user_id)> export_data;
  std::function<boost::asio::awaitable<void>(std::string user_id)> erase;
};

class AccountService {
 public:
  AccountService(Async<AccountsStore> store, BlockingPool& cpu, KeyRing keys,
                 AccountsOptions options);

  boost::asio::awaitable<SignedIn> register_account(RegisterInput input, ClientInfo client);
  // The same refusal (invalid_credentials) and about the same time for an unknown address and a
  // wrong password; 429 `login_throttled` with a retry time while the address or client is locked.
  boost::asio::awaitable<SignedIn> sign_in(std::string email, std::string password,
                                           ClientInfo client);
  boost::asio::awaitable<SignedIn> refresh(std::string refresh_token, ClientInfo client);
  // Ends the session of this refresh token (unknown tokens are ignored: signing out twice is fine).
  boost::asio::awaitable<void> sign_out(std::string refresh_token);
  boost::asio::awaitable<std::size_t> sign_out_everywhere(std::string user_id);

  boost::asio::awaitable<void> verify_email(std::string token);
  boost::asio::awaitable<void> resend_verification(std::string user_id);
  // Answers the same whether or not the address has an account.
  boost::asio::awaitable<void> forgot_password(std::string email, ClientInfo client);
  boost::asio::awaitable<void> reset_password(std::string token, std::string password,
                                              ClientInfo client);

  boost::asio::awaitable<User> profile(std::string user_id);
  boost::asio::awaitable<User> update_profile(std::string user_id, ProfilePatch patch);
  // Signs out every other session of the user.
  boost::asio::awaitable<void> change_password(std::string user_id, std::string current,
                                               std::string next, std::string keep_session,
                                               ClientInfo client);
  boost::asio::awaitable<std::vector<Session>> sessions(std::string user_id);
  boost::asio::awaitable<void> revoke_session(std::string user_id, std::string session_id);
  boost::asio::awaitable<boost::json::object> export_account(std::string user_id);
  // Needs the password again; deletes the account and every personal row (so nothing of the
  // client is kept either).
  boost::asio::awaitable<void> delete_account(std::string user_id, std::string password);

  boost::asio::awaitable<std::vector<User>> list_users(std::size_t offset, std::size_t limit);
  boost::asio::awaitable<User> change_user(std::string actor_id, std::string user_id,
                                           std::optional<Role> role, std::optional<bool> disabled,
                                           ClientInfo client);

  // Registered by features at install, before any request.
  void add_personal_data(PersonalData data) { personal_data_.push_back(std::move(data)); }

  const KeyRing& keys() const { return keys_; }
  const AccountsOptions& options() const { return options_; }
  const AccountsCounters& counters() const { return counters_; }
  std::string render_metrics() const;

 private:
  // Private coroutines take references and trivially destructible views, and callers pass named
  // values: GCC 12 destroys non-trivial temporaries of a co_await full-expression twice (PR
  // 100611).
  boost::asio::awaitable<SignedIn> open_session(const User& user, const ClientInfo& client);
  // A session for the user, not stored yet, and the refresh token it hashes.
  std::pair<Session, std::string> new_session(const User& user, const ClientInfo& client) const;
  static AuditEvent event(std::string_view kind, const User* user, std::string_view email,
                          const ClientInfo& client, std::string_view detail = {});
  boost::asio::awaitable<void> audit(std::string_view kind, const User* user,
                                     std::string_view email, const ClientInfo& client,
                                     std::string_view detail = {});
  boost::asio::awaitable<User> require_user(const std::string& user_id);
  boost::asio::awaitable<std::string> hash(const std::string& password);
  boost::asio::awaitable<bool> verify(const std::string& password, const std::string& hash);
  std::string link(std::string_view kind, std::string_view token) const;
  SignedIn issue(User user, Session session, std::string refresh_token) const;

  Async<AccountsStore> store_;
  BlockingPool& cpu_;
  KeyRing keys_;
  AccountsOptions options_;
  std::string dummy_hash_;  // verified against for unknown addresses, so they take as long
  AccountsCounters counters_;
  std::vector<PersonalData> personal_data_;
};

// What a session looks like in JSON (the API and the export share it).
boost::json::object session_json(const Session& s, std::string_view current_session_id);
boost::json::object user_json(const User& u);

}  // namespace cinestream::accounts
