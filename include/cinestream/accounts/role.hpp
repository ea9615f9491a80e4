#pragma once
// Who may do what. Roles are ordered by trust; a permission names an action, and the table in
// role.cpp says which roles hold it, so handlers never compare roles themselves: the route's
// middleware (auth_middleware.hpp) checks the permission before the handler runs.
#include <optional>
#include <string_view>

namespace cinestream::accounts {

enum class Role { customer, staff, manager, admin };

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);

enum class Permission {
  use_account,     // the caller's own profile, sessions, export, deletion
  view_users,      // look up accounts (support desk)
  manage_users,    // change roles, disable accounts
  manage_cinemas,  // phase 3: partner cinemas, screens, schedules
  manage_catalog,  // merge and split catalogue films
  view_audit,      // read the sign-in audit log of any account
};

bool allows(Role role, Permission permission);

}  // namespace cinestream::accounts
