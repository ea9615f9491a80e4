#pragma once
// An account as the store keeps it.
#include <chrono>
#include <string>

#include "cinestream/accounts/role.hpp"

namespace cinestream::accounts {

using Clock = std::chrono::system_clock;
using SysSeconds = std::chrono::sys_seconds;

// What a visitor chooses to be told about (stored as one small JSON object).
struct NotificationSettings {
  bool film_in_my_city = true;  // a film on the watchlist gets showtimes in the home city
  bool newsletter = false;
};

struct User {
  std::string id;            // random_id()
  std::string email;         // normalised (normalize_email): unique
  std::string display_name;  // cleaned (clean_display_name)
  std::string lang = "uk";   // uk | en | ru
  std::string home_city;     // a city id, or empty
  Role role = Role::customer;
  std::string password_hash;  // bcrypt
  bool email_verified = false;
  bool disabled = false;
  NotificationSettings notifications;
  SysSeconds created_at{};
  SysSeconds updated_at{};
};

}  // namespace cinestream::accounts
