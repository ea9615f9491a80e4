#include "cinestream/accounts/account_service.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <boost/json.hpp>

#include "cinestream/accounts/account_rules.hpp"
#include "cinestream/accounts/emails.hpp"
#include "cinestream/accounts/secrets.hpp"

namespace cinestream::accounts {
namespace asio = boost::asio;
namespace json = boost::json;
using Kind = AccountError::Kind;

namespace {

SysSeconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(Clock::now());
}

std::string iso(SysSeconds t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

AccountError invalid(const Problem& p) {
  return AccountError(Kind::invalid, p.code, p.message);
}

AccountError invalid_credentials() {
  return AccountError(Kind::unauthorized, "invalid_credentials", "wrong email or password");
}

AccountError throttled(SysSeconds until, SysSeconds now) {
  auto wait = std::max(std::chrono::seconds(1), until - now);
  return AccountError(Kind::throttled, "login_throttled",
                      fmt::format("too many failed sign-ins; try again in {} s", wait.count()),
                      wait);
}

std::string email_key(std::string_view email) {
  return fmt::format("email:{}", email);
}
std::string client_key(std::string_view key) {
  return fmt::format("client:{}", key);
}

}  // namespace

json::object user_json(const User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"email_verified", u.email_verified},
          {"display_name", u.display_name},
          {"lang", u.lang},
          {"home_city", u.home_city.empty() ? json::value(nullptr) : json::value(u.home_city)},
          {"role", role_name(u.role)},
          {"disabled", u.disabled},
          {"notifications",
           {{"film_in_my_city", u.notifications.film_in_my_city},
            {"newsletter", u.notifications.newsletter}}},
          {"created_at", iso(u.created_at)}};
}

json::object session_json(const Session& s, std::string_view current_session_id) {
  return {{"id", s.id},
          {"device", s.device},
          {"address", s.address},
          {"created_at", iso(s.created_at)},
          {"last_used_at", iso(s.last_used_at)},
          {"expires_at", iso(s.expires_at)},
          {"current", s.id == current_session_id}};
}

AccountService::AccountService(Async<AccountsStore> store, BlockingPool& cpu, KeyRing keys,
                               AccountsOptions options)
    : store_(store),
      cpu_(cpu),
      keys_(std::move(keys)),
      options_(std::move(options)),
      dummy_hash_(hash_password(random_token(16), options_.bcrypt_cost)) {}

asio::awaitable<std::string> AccountService::hash(const std::string& password) {
  auto work = [password, cost = options_.bcrypt_cost] { return hash_password(password, cost); };
  counters_.password_hashes++;
  co_return co_await cpu_.run(std::move(work));
}

asio::awaitable<bool> AccountService::verify(const std::string& password, const std::string& hash) {
  auto work = [password, hash] { return verify_password(password, hash); };
  counters_.password_verifications++;
  co_return co_await cpu_.run(std::move(work));
}

std::string AccountService::link(std::string_view kind, std::string_view token) const {
  return fmt::format("{}/account.html#{}={}", options_.public_origin, kind, token);
}

AuditEvent AccountService::event(std::string_view kind, const User* user, std::string_view email,
                                 const ClientInfo& client, std::string_view detail) {
  return AuditEvent{now_seconds(),
                    std::string(kind),
                    user ? user->id : std::string(),
                    user ? user->email : std::string(email),
                    client.address,
                    std::string(detail)};
}

asio::awaitable<void> AccountService::audit(std::string_view kind, const User* user,
                                            std::string_view email, const ClientInfo& client,
                                            std::string_view detail) {
  auto write = [e = event(kind, user, email, client, detail)](AccountsStore& s) {
    s.audit->append(e);
  };
  co_await store_.call(write);
}

asio::awaitable<User> AccountService::require_user(const std::string& user_id) {
  auto find = [&](AccountsStore& s) { return s.users->by_id(user_id); };
  auto user = co_await store_.call(find);
  // A valid access token for an account deleted or disabled since it was issued.
  if (!user || user->disabled)
    throw AccountError(Kind::unauthorized, "unauthenticated", "the account no longer exists");
  co_return *user;
}

SignedIn AccountService::issue(User user, Session session, std::string refresh_token) const {
  SignedIn out;
  auto now = now_seconds();
  AccessClaims claims{user.id, user.role, session.id, now, now + options_.access_lifetime};
  out.access_token = sign_access_token(claims, keys_);
  out.access_expires = claims.expires_at;
  out.refresh_token = std::move(refresh_token);
  out.user = std::move(user);
  out.session = std::move(session);
  return out;
}

std::pair<Session, std::string> AccountService::new_session(const User& user,
                                                            const ClientInfo& client) const {
  auto now = now_seconds();
  std::string token = random_token();
  Session s{random_id(),
            user.id,
            token_hash(token),
            client.device,
            client.address,
            now,
            now,
            now + options_.refresh_lifetime,
            false};
  return {std::move(s), std::move(token)};
}

asio::awaitable<SignedIn> AccountService::open_session(const User& user, const ClientInfo& client) {
  auto fresh = new_session(user, client);
  auto create = [&](AccountsStore& st) { st.sessions->create(fresh.first); };
  co_await store_.call(create);
  co_return issue(user, std::move(fresh.first), std::move(fresh.second));
}

asio::awaitable<SignedIn> AccountService::register_account(RegisterInput in, ClientInfo client) {
  auto email = normalize_email(in.email);
  if (!email) throw AccountError(Kind::invalid, "invalid_email", "not a valid email address");
  if (auto p = password_problem(in.password, *email)) throw invalid(*p);
  if (auto p = display_name_problem(in.display_name)) throw invalid(*p);
  if (!is_supported_language(in.lang))
    throw AccountError(Kind::invalid, "invalid_lang", "lang must be uk, en or ru");
  if (!in.home_city.empty() && options_.known_city && !options_.known_city(in.home_city))
    throw AccountError(Kind::invalid, "unknown_city", "home_city is not a known city");
  auto now = now_seconds();
  User user;
  user.id = random_id();
  user.email = *email;
  user.display_name = trim_name(in.display_name);
  user.lang = in.lang;
  user.home_city = in.home_city;
  user.password_hash = co_await hash(in.password);
  user.created_at = user.updated_at = now;
  std::string token = random_token();
  auto welcome = verification_email(user, link("verify", token));
  IssuedToken verification{TokenPurpose::verify_email, token_hash(token),
                           now + options_.verify_lifetime};
  auto create = [&](AccountsStore& s) { s.users->create(user, verification, welcome); };
  try {
    co_await store_.call(create);
  } catch (const EmailTaken&) {
    throw AccountError(Kind::conflict, "email_taken", "an account with this email exists");
  }
  counters_.registrations++;
  if (options_.mail_queued) options_.mail_queued();
  co_await audit("register", &user, {}, client);
  co_return co_await open_session(user, client);
}

asio::awaitable<SignedIn> AccountService::sign_in(std::string email_in, std::string password,
                                                  ClientInfo client) {
  auto email = normalize_email(email_in).value_or(std::string());
  auto now = now_seconds();
  std::string by_email = email_key(email);
  std::string by_client = client_key(client.client_key);
  // Two round trips to the store for a sign-in that succeeds: the lookup, then one batch of
  // writes (bcrypt runs between them on the cpu pool).
  struct Lookup {
    std::optional<SysSeconds> locked;
    std::optional<User> user;
  };
  auto lookup = [&](AccountsStore& s) {
    Lookup r;
    auto a = s.throttle->locked_until(by_email, now);
    auto b = s.throttle->locked_until(by_client, now);
    r.locked = a && b ? std::optional<SysSeconds>(std::max(*a, *b)) : (a ? a : b);
    if (!r.locked && !email.empty()) r.user = s.users->by_email(email);
    return r;
  };
  Lookup found = co_await store_.call(lookup);
  if (found.locked) {
    counters_.sign_in_failures++;
    co_await audit("login_locked", nullptr, email, client);
    throw throttled(*found.locked, now);
  }
  std::optional<User> user = std::move(found.user);
  // An unknown address costs one bcrypt verification too, so time does not tell them apart.
  bool ok = co_await verify(password, user ? user->password_hash : dummy_hash_);
  if (!user || !ok) {
    counters_.sign_in_failures++;
    auto failed = event("login_failed", user ? &*user : nullptr, email, client,
                        user ? "wrong password" : "unknown email");
    auto fail = [&](AccountsStore& s) {
      auto a = s.throttle->record_failure(by_email, now, options_.account_throttle);
      auto b = s.throttle->record_failure(by_client, now, options_.client_throttle);
      s.audit->append(failed);
      auto locked = a ? a : b;
      if (locked)
        s.audit->append(event("login_lock", user ? &*user : nullptr, email, client,
                              fmt::format("until {}", iso(*locked))));
      return locked;
    };
    auto locked = co_await store_.call(fail);
    if (locked) counters_.locks++;
    throw invalid_credentials();
  }
  if (user->disabled) {
    co_await audit("login_disabled", &*user, {}, client);
    throw AccountError(Kind::forbidden, "account_disabled", "this account is disabled");
  }
  // Hashes from an older, cheaper setting (or imported) are upgraded while the password is known.
  bool rehash = bcrypt_cost(user->password_hash).value_or(0) < options_.bcrypt_cost;
  if (rehash) user->password_hash = co_await hash(password);
  auto fresh = new_session(*user, client);
  auto finish = [&](AccountsStore& s) {
    s.throttle->clear(by_email);
    if (rehash) {
      s.users->set_password_hash(user->id, user->password_hash, now);
      s.audit->append(event("password_rehashed", &*user, {}, client,
                            fmt::format("cost {}", options_.bcrypt_cost)));
    }
    s.audit->append(event("login", &*user, {}, client));
    s.sessions->create(fresh.first);
  };
  co_await store_.call(finish);
  counters_.sign_ins++;
  co_return issue(*user, std::move(fresh.first), std::move(fresh.second));
}

asio::awaitable<SignedIn> AccountService::refresh(std::string refresh_token, ClientInfo client) {
  if (refresh_token.empty() || refresh_token.size() > 256)
    throw AccountError(Kind::unauthorized, "invalid_refresh_token", "sign in again");
  auto now = now_seconds();
  std::string next = random_token();
  auto rotate = [&](AccountsStore& s) {
    return s.sessions->rotate(token_hash(refresh_token), token_hash(next), now);
  };
  auto r = co_await store_.call(rotate);
  switch (r.outcome) {
    case RotateOutcome::rotated:
      break;
    case RotateOutcome::reused: {
      counters_.refresh_reuse++;
      std::optional<User> owner;
      if (r.session) {
        auto find = [&](AccountsStore& s) { return s.users->by_id(r.session->user_id); };
        owner = co_await store_.call(find);
      }
      std::string detail =
          r.session ? fmt::format("session {} revoked", r.session->id) : std::string();
      co_await audit("refresh_reused", owner ? &*owner : nullptr, {}, client, detail);
      throw AccountError(Kind::unauthorized, "refresh_token_reused",
                         "this sign-in was ended because its token was used twice; sign in again");
    }
    case RotateOutcome::expired:
    case RotateOutcome::revoked:
    case RotateOutcome::unknown:
      throw AccountError(Kind::unauthorized, "invalid_refresh_token", "sign in again");
  }
  auto find = [&](AccountsStore& s) { return s.users->by_id(r.session->user_id); };
  auto user = co_await store_.call(find);
  if (!user || user->disabled) {
    auto end = [&](AccountsStore& s) { s.sessions->revoke(r.session->user_id, r.session->id); };
    co_await store_.call(end);
    throw AccountError(Kind::unauthorized, "invalid_refresh_token", "sign in again");
  }
  counters_.refreshes++;
  co_return issue(std::move(*user), std::move(*r.session), std::move(next));
}

asio::awaitable<void> AccountService::sign_out(std::string refresh_token) {
  if (refresh_token.empty() || refresh_token.size() > 256) co_return;
  auto end = [&](AccountsStore& s) {
    if (auto session = s.sessions->by_token(token_hash(refresh_token)))
      s.sessions->revoke(session->user_id, session->id);
  };
  co_await store_.call(end);
}

asio::awaitable<std::size_t> AccountService::sign_out_everywhere(std::string user_id) {
  auto end = [&](AccountsStore& s) { return s.sessions->revoke_all(user_id); };
  co_return co_await store_.call(end);
}

asio::awaitable<void> AccountService::verify_email(std::string token) {
  auto now = now_seconds();
  auto consume = [&](AccountsStore& s) -> bool {
    auto user = s.tokens->consume(TokenPurpose::verify_email, token_hash(token), now);
    return user && s.users->mark_email_verified(*user, now);
  };
  bool verified = false;
  if (!token.empty() && token.size() <= 256) verified = co_await store_.call(consume);
  if (!verified)
    throw AccountError(Kind::invalid, "invalid_token",
                       "this link is not valid (used, expired or mistyped)");
}

asio::awaitable<void> AccountService::resend_verification(std::string user_id) {
  User user = co_await require_user(user_id);
  if (user.email_verified) co_return;
  std::string token = random_token();
  auto message = verification_email(user, link("verify", token));
  auto expires = now_seconds() + options_.verify_lifetime;
  auto issue_token = [&](AccountsStore& s) {
    s.tokens->issue(TokenPurpose::verify_email, user.id, token_hash(token), expires, message);
  };
  co_await store_.call(issue_token);
  if (options_.mail_queued) options_.mail_queued();
}

asio::awaitable<void> AccountService::forgot_password(std::string email_in, ClientInfo client) {
  auto email = normalize_email(email_in);
  if (!email) throw AccountError(Kind::invalid, "invalid_email", "not a valid email address");
  auto find = [&](AccountsStore& s) { return s.users->by_email(*email); };
  auto user = co_await store_.call(find);
  if (!user || user->disabled) {
    co_await audit("reset_requested", nullptr, *email, client, "no account");
    co_return;
  }
  std::string token = random_token();
  auto message = password_reset_email(*user, link("reset", token));
  auto expires = now_seconds() + options_.reset_lifetime;
  auto issue_token = [&](AccountsStore& s) {
    s.tokens->issue(TokenPurpose::reset_password, user->id, token_hash(token), expires, message);
  };
  co_await store_.call(issue_token);
  if (options_.mail_queued) options_.mail_queued();
  co_await audit("reset_requested", &*user, {}, client);
}

asio::awaitable<void> AccountService::reset_password(std::string token, std::string password,
                                                     ClientInfo client) {
  if (token.empty() || token.size() > 256)
    throw AccountError(Kind::invalid, "invalid_token", "this link is not valid");
  // Check the password before using the token up: a refused password keeps the link working.
  if (auto p = password_problem(password, {})) throw invalid(*p);
  auto now = now_seconds();
  // A bad link is refused before the bcrypt work it would otherwise cost the cpu pool.
  auto check = [&](AccountsStore& s) {
    return s.tokens->usable(TokenPurpose::reset_password, token_hash(token), now);
  };
  bool usable = co_await store_.call(check);
  if (!usable)
    throw AccountError(Kind::invalid, "invalid_token",
                       "this link is not valid (used, expired or mistyped)");
  std::string new_hash = co_await hash(password);
  auto consume = [&](AccountsStore& s) -> std::optional<User> {
    auto id = s.tokens->consume(TokenPurpose::reset_password, token_hash(token), now);
    if (!id) return std::nullopt;
    auto user = s.users->by_id(*id);
    if (!user) return std::nullopt;
    s.users->set_password_hash(user->id, new_hash, now);
    // The link came by email: the address is proven too.
    s.users->mark_email_verified(user->id, now);
    s.sessions->revoke_all(user->id);
    s.throttle->clear(email_key(user->email));
    return user;
  };
  auto user = co_await store_.call(consume);
  if (!user)
    throw AccountError(Kind::invalid, "invalid_token",
                       "this link is not valid (used, expired or mistyped)");
  counters_.password_resets++;
  co_await audit("password_reset", &*user, {}, client);
}

asio::awaitable<User> AccountService::profile(std::string user_id) {
  co_return co_await require_user(user_id);
}

asio::awaitable<User> AccountService::update_profile(std::string user_id, ProfilePatch patch) {
  User user = co_await require_user(user_id);
  if (patch.display_name) {
    if (auto p = display_name_problem(*patch.display_name)) throw invalid(*p);
    user.display_name = trim_name(*patch.display_name);
  }
  if (patch.lang) {
    if (!is_supported_language(*patch.lang))
      throw AccountError(Kind::invalid, "invalid_lang", "lang must be uk, en or ru");
    user.lang = *patch.lang;
  }
  if (patch.home_city) {
    if (!patch.home_city->empty() && options_.known_city && !options_.known_city(*patch.home_city))
      throw AccountError(Kind::invalid, "unknown_city", "home_city is not a known city");
    user.home_city = *patch.home_city;
  }
  if (patch.notify_film_in_my_city)
    user.notifications.film_in_my_city = *patch.notify_film_in_my_city;
  if (patch.notify_newsletter) user.notifications.newsletter = *patch.notify_newsletter;
  user.updated_at = now_seconds();
  auto save = [&](AccountsStore& s) { return s.users->update_profile(user); };
  bool saved = co_await store_.call(save);
  if (!saved)
    throw AccountError(Kind::unauthorized, "unauthenticated", "the account no longer exists");
  co_return user;
}

asio::awaitable<void> AccountService::change_password(std::string user_id, std::string current,
                                                      std::string next, std::string keep_session,
                                                      ClientInfo client) {
  User user = co_await require_user(user_id);
  bool current_ok = co_await verify(current, user.password_hash);
  if (!current_ok) {
    co_await audit("password_change_failed", &user, {}, client);
    throw AccountError(Kind::forbidden, "wrong_password", "the current password is wrong");
  }
  if (auto p = password_problem(next, user.email)) throw invalid(*p);
  std::string new_hash = co_await hash(next);
  auto now = now_seconds();
  auto save = [&](AccountsStore& s) {
    s.users->set_password_hash(user.id, new_hash, now);
    for (const auto& session : s.sessions->of_user(user.id, now)) {
      if (session.id != keep_session) s.sessions->revoke(user.id, session.id);
    }
  };
  co_await store_.call(save);
  co_await audit("password_changed", &user, {}, client);
}

asio::awaitable<std::vector<Session>> AccountService::sessions(std::string user_id) {
  co_await require_user(user_id);
  auto now = now_seconds();
  auto list = [&](AccountsStore& s) { return s.sessions->of_user(user_id, now); };
  co_return co_await store_.call(list);
}

asio::awaitable<void> AccountService::revoke_session(std::string user_id, std::string session_id) {
  auto end = [&](AccountsStore& s) { return s.sessions->revoke(user_id, session_id); };
  bool revoked = co_await store_.call(end);
  if (!revoked)
    throw AccountError(Kind::not_found, "session_not_found", "no such session of yours");
}

asio::awaitable<json::object> AccountService::export_account(std::string user_id) {
  User user = co_await require_user(user_id);
  auto now = now_seconds();
  auto read = [&](AccountsStore& s) {
    return std::make_pair(s.sessions->of_user(user.id, now), s.audit->of_user(user.id, 1000));
  };
  auto [sessions, events] = co_await store_.call(read);
  json::array session_list;
  for (const auto& s : sessions)
    session_list.push_back(session_json(s, {}));
  json::array event_list;
  for (const auto& e : events) {
    event_list.push_back(json::object{
        {"at", iso(e.at)}, {"kind", e.kind}, {"address", e.address}, {"detail", e.detail}});
  }
  json::object doc{{"exported_at", iso(now)},
                   {"account", user_json(user)},
                   {"sessions", std::move(session_list)},
                   {"sign_in_history", std::move(event_list)}};
  for (const auto& data : personal_data_) {
    std::string id = user.id;
    doc[data.name] = co_await data.export_data(std::move(id));
  }
  co_return doc;
}

asio::awaitable<void> AccountService::delete_account(std::string user_id, std::string password) {
  User user = co_await require_user(user_id);
  bool password_ok = co_await verify(password, user.password_hash);
  if (!password_ok) throw AccountError(Kind::forbidden, "wrong_password", "the password is wrong");
  // The features' data first: if this stops half-way the account still exists to delete again.
  for (const auto& data : personal_data_) {
    std::string id = user.id;
    co_await data.erase(std::move(id));
  }
  auto erase = [&](AccountsStore& s) { return s.users->erase(user.id); };
  co_await store_.call(erase);
  counters_.deletions++;
  // No personal data in this row: the account is gone, only that an account was deleted remains.
  AuditEvent e{now_seconds(), "account_deleted", {}, {}, {}, {}};
  auto write = [&](AccountsStore& s) { s.audit->append(e); };
  co_await store_.call(write);
}

asio::awaitable<std::vector<User>> AccountService::list_users(std::size_t offset,
                                                              std::size_t limit) {
  auto list = [&](AccountsStore& s) { return s.users->list(offset, limit); };
  co_return co_await store_.call(list);
}

asio::awaitable<User> AccountService::change_user(std::string actor_id, std::string user_id,
                                                  std::optional<Role> role,
                                                  std::optional<bool> disabled, ClientInfo client) {
  if (actor_id == user_id && ((role && *role != Role::admin) || (disabled && *disabled)))
    throw AccountError(Kind::conflict, "cannot_demote_self",
                       "an administrator cannot demote or disable their own account");
  auto now = now_seconds();
  auto change = [&](AccountsStore& s) -> std::optional<User> {
    if (!s.users->by_id(user_id)) return std::nullopt;
    if (role) s.users->set_role(user_id, *role, now);
    if (disabled) {
      s.users->set_disabled(user_id, *disabled, now);
      if (*disabled) s.sessions->revoke_all(user_id);
    }
    return s.users->by_id(user_id);
  };
  auto user = co_await store_.call(change);
  if (!user) throw AccountError(Kind::not_found, "user_not_found", "no such user");
  std::string detail =
      fmt::format("by {}: role {}, disabled {}", actor_id, role_name(user->role), user->disabled);
  co_await audit("user_changed", &*user, {}, client, detail);
  co_return *user;
}

std::string AccountService::render_metrics() const {
  const auto& c = counters_;
  std::string out =
      "# HELP cinestream_accounts_events_total Account events in this worker.\n"
      "# TYPE cinestream_accounts_events_total counter\n";
  auto line = [&](const char* event, const std::atomic<std::uint64_t>& n) {
    out += fmt::format("cinestream_accounts_events_total{{event=\"{}\"}} {}\n", event, n.load());
  };
  line("registration", c.registrations);
  line("sign_in", c.sign_ins);
  line("sign_in_failure", c.sign_in_failures);
  line("lock", c.locks);
  line("refresh", c.refreshes);
  line("refresh_reuse", c.refresh_reuse);
  line("password_reset", c.password_resets);
  line("deletion", c.deletions);
  line("password_hash", c.password_hashes);
  line("password_verify", c.password_verifications);
  return out;
}

}  // namespace cinestream::accounts
