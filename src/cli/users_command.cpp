// `cinestream users ...`: account tools for operators, run beside (not inside) the server; the
// store's own atomicity keeps them safe against a running server.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "cinestream/accounts/password_hasher.hpp"
#include "cinestream/accounts/user_admin.hpp"
#include "cinestream/cli/commands.hpp"
#include "store_setup.hpp"

namespace cinestream::cli {

int users(const Config& config, const UsersArgs& args) {
  auto db = open_migrated_store(config, 1);
  auto store = accounts::make_accounts_store(*db);
  auto role = accounts::parse_role(args.role);
  if (!role) {
    spdlog::error("users: unknown role '{}' (customer, staff, manager or admin)", args.role);
    return 2;
  }
  try {
    if (args.action == "create") {
      std::string password;
      std::getline(std::cin, password);
      if (!password.empty() && password.back() == '\r') password.pop_back();
      auto u = accounts::create_user(store, args.email, password, args.display_name, *role,
                                     config.bcrypt_cost);
      fmt::print("created {} ({}) as {}\n", u.email, u.id, accounts::role_name(u.role));
    } else if (args.action == "set-role") {
      auto u = accounts::set_user_role(store, args.email, *role);
      fmt::print("{} is now {}\n", u.email, accounts::role_name(u.role));
    } else if (args.action == "disable" || args.action == "enable") {
      auto u = accounts::set_user_disabled(store, args.email, args.action == "disable");
      fmt::print("{} is {}\n", u.email, u.disabled ? "disabled" : "enabled");
    } else if (args.action == "import") {
      std::ifstream file;
      if (args.file != "-") {
        file.open(args.file);
        if (!file) {
          spdlog::error("users import: cannot read {}", args.file);
          return 1;
        }
      }
      auto report = accounts::import_users(store, args.file == "-" ? std::cin : file);
      for (const auto& r : report.rejected)
        spdlog::warn("users import: {}", r);
      fmt::print("imported {}, already present {}, rejected {}\n", report.imported, report.existing,
                 report.rejected.size());
      return report.rejected.empty() ? 0 : 3;
    }
  } catch (const accounts::EmailTaken& e) {
    spdlog::error("users {}: {}", args.action, e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    spdlog::error("users {}: {}", args.action, e.what());
    return 2;
  }
  return 0;
}

}  // namespace cinestream::cli
