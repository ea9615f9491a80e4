#pragma once
// Operators' account tools (`cinestream users ...`): blocking, for the command line only, never
// on an event loop.
#include <iosfwd>
#include <string>
#include <vector>

#include "cinestream/accounts/accounts_store.hpp"

namespace cinestream::accounts {

// Creates a verified account with `role`; throws AccountError-like std::invalid_argument for a
// bad email, password or name, and EmailTaken.
User create_user(AccountsStore& store, std::string_view email, std::string_view password,
                 std::string_view display_name, Role role, int bcrypt_cost);

// Throws std::invalid_argument when no account has this email.
User set_user_role(AccountsStore& store, std::string_view email, Role role);
// Disabling also ends every session of the account.
User set_user_disabled(AccountsStore& store, std::string_view email, bool disabled);

struct ImportReport {
  std::size_t imported = 0;
  std::size_t existing = 0;           // an account with the email already exists: left as it is
  std::vector<std::string> rejected;  // "line N: why"
};

// CineLibre's users, one JSON object per line: {"email", "password_hash" (or "hashed_password"):
// a bcrypt $2a$/$2b$/$2y$ hash, "display_name" (or "username"), "lang"?, "role"?,
// "email_verified"?}. Hashes are kept as they are: they verify, and are upgraded to the current
// cost at the account's next sign-in. No message is queued for imported accounts.
ImportReport import_users(AccountsStore& store, std::istream& lines);

}  // namespace cinestream::accounts
