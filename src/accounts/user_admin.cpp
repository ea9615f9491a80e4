#include "cinestream/accounts/user_admin.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <istream>
#include <stdexcept>

#include "cinestream/accounts/account_rules.hpp"
#include "cinestream/accounts/password_hasher.hpp"
#include "cinestream/accounts/secrets.hpp"

namespace cinestream::accounts {
namespace json = boost::json;
namespace {

SysSeconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(Clock::now());
}

User find(AccountsStore& store, std::string_view email) {
  auto normal = normalize_email(email);
  auto user = normal ? store.users->by_email(*normal) : std::nullopt;
  if (!user) throw std::invalid_argument(fmt::format("no account has the email '{}'", email));
  return *user;
}

// Imported and operator-made accounts queue no message: an empty one is not written.
const mail::Message kNoMessage{};

std::string field(const json::object& o, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    if (auto* v = o.if_contains(name); v && v->is_string()) return std::string(v->as_string());
  }
  return {};
}

}  // namespace

User create_user(AccountsStore& store, std::string_view email, std::string_view password,
                 std::string_view display_name, Role role, int bcrypt_cost) {
  auto normal = normalize_email(email);
  if (!normal) throw std::invalid_argument("not a valid email address");
  if (auto p = password_problem(password, *normal)) throw std::invalid_argument(p->message);
  if (auto p = display_name_problem(display_name)) throw std::invalid_argument(p->message);
  User u;
  u.id = random_id();
  u.email = *normal;
  u.display_name = trim_name(display_name);
  u.lang = "uk";
  u.role = role;
  u.email_verified = true;  // the operator vouches for it
  u.password_hash = hash_password(password, bcrypt_cost);
  u.created_at = u.updated_at = now_seconds();
  store.users->create(u, std::nullopt, kNoMessage);  // verified: the operator vouches for it
  return u;
}

User set_user_role(AccountsStore& store, std::string_view email, Role role) {
  auto u = find(store, email);
  store.users->set_role(u.id, role, now_seconds());
  return *store.users->by_id(u.id);
}

User set_user_disabled(AccountsStore& store, std::string_view email, bool disabled) {
  auto u = find(store, email);
  store.users->set_disabled(u.id, disabled, now_seconds());
  if (disabled) store.sessions->revoke_all(u.id);
  return *store.users->by_id(u.id);
}

ImportReport import_users(AccountsStore& store, std::istream& in) {
  ImportReport report;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto reject = [&](std::string_view why) {
      report.rejected.push_back(fmt::format("line {}: {}", n, why));
    };
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object()) {
      reject("not a JSON object");
      continue;
    }
    const auto& o = v.as_object();
    auto email = normalize_email(field(o, {"email"}));
    if (!email) {
      reject("no valid email");
      continue;
    }
    auto hash = field(o, {"password_hash", "hashed_password"});
    if (!bcrypt_cost(hash)) {
      reject("password_hash is not a bcrypt hash ($2a$/$2b$/$2y$)");
      continue;
    }
    auto name = trim_name(field(o, {"display_name", "username", "name"}));
    if (name.empty()) name = email->substr(0, email->find('@'));
    if (display_name_problem(name)) {
      reject("the display name has markup or invisible characters");
      continue;
    }
    User u;
    u.id = random_id();
    u.email = *email;
    u.display_name = name;
    u.lang = field(o, {"lang", "language"});
    if (!is_supported_language(u.lang)) u.lang = "uk";
    u.role = parse_role(field(o, {"role"})).value_or(Role::customer);
    if (auto* verified = o.if_contains("email_verified"); verified && verified->is_bool())
      u.email_verified = verified->as_bool();
    u.password_hash = hash;
    u.created_at = u.updated_at = now_seconds();
    try {
      // Unverified imports ask for a verification email when they want one.
      store.users->create(u, std::nullopt, kNoMessage);
      ++report.imported;
    } catch (const EmailTaken&) {
      ++report.existing;
    }
  }
  return report;
}

}  // namespace cinestream::accounts
