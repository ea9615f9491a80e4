#include "cinestream/accounts/role.hpp"

namespace cinestream::accounts {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::customer:
      return "customer";
    case Role::staff:
      return "staff";
    case Role::manager:
      return "manager";
    case Role::admin:
      return "admin";
  }
  return "customer";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : {Role::customer, Role::staff, Role::manager, Role::admin}) {
    if (role_name(r) == name) return r;
  }
  return std::nullopt;
}

bool allows(Role role, Permission permission) {
  switch (permission) {
    case Permission::use_account:
      return true;
    case Permission::view_users:
      return role == Role::staff || role == Role::manager || role == Role::admin;
    case Permission::manage_cinemas:
    case Permission::manage_catalog:
      return role == Role::manager || role == Role::admin;
    case Permission::view_audit:
    case Permission::manage_users:
      return role == Role::admin;
  }
  return false;
}

}  // namespace cinestream::accounts
