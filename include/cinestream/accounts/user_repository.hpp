#pragma once
// Accounts. Email addresses are unique (stored normalised, compared as stored). SQLite: every
// write is one IMMEDIATE transaction; MongoDB: one document per user, uniqueness by a unique index.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/accounts/one_time_token_repository.hpp"
#include "cinestream/accounts/user.hpp"
#include "cinestream/mail/message.hpp"

namespace cinestream::accounts {

class EmailTaken : public std::runtime_error {
 public:
  EmailTaken() : std::runtime_error("an account with this email exists") {}
};

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // Creates the account with its email-verification token, if any, and queues `welcome` (the
  // message that carries the token): on SQLite in one transaction; on MongoDB the user, the token,
  // the message in that order (a crash between them leaves an account whose verification can be
  // sent again, never a message for no account). Imported and operator-made accounts pass no
  // token and a `welcome` without a recipient. Throws EmailTaken; nothing is written then.
  virtual void create(const User& user, const std::optional<IssuedToken>& verification,
                      const mail::Message& welcome) = 0;
  virtual std::optional<User> by_email(std::string_view email) = 0;
  virtual std::optional<User> by_id(std::string_view id) = 0;
  // Display name, language, home city, notification settings; false when the user is gone.
  virtual bool update_profile(const User& user) = 0;
  virtual bool set_password_hash(std::string_view id, std::string_view hash, SysSeconds now) = 0;
  virtual bool set_role(std::string_view id, Role role, SysSeconds now) = 0;
  virtual bool set_disabled(std::string_view id, bool disabled, SysSeconds now) = 0;
  virtual bool mark_email_verified(std::string_view id, SysSeconds now) = 0;
  // Users in creation order (operators' listing), `limit` at most.
  virtual std::vector<User> list(std::size_t offset, std::size_t limit) = 0;
  // The account and every personal row that refers to it (sessions, one-time tokens, audit
  // events, throttling of its email, its queued mail): SQLite in one transaction; MongoDB the
  // dependent rows first and the user last, so an interrupted deletion can be repeated.
  virtual bool erase(std::string_view id) = 0;
};

}  // namespace cinestream::accounts
