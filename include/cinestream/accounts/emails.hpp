#pragma once
// The messages accounts send, in the user's language (uk, en, ru).
#include <string_view>

#include "cinestream/accounts/user.hpp"
#include "cinestream/mail/message.hpp"

namespace cinestream::accounts {

mail::Message verification_email(const User& user, std::string_view link);
mail::Message password_reset_email(const User& user, std::string_view link);

}  // namespace cinestream::accounts
