#pragma once
// The accounts routes: /api/auth/* (register, sign in, refresh, sign out, verification, password
// reset), /api/me* (the caller's own account) and /api/admin/users* (operators). Web pages get
// HttpOnly cookies (send "session": "cookie" when signing in); API clients get tokens in the body
// and send `Authorization: Bearer`.
#include "cinestream/accounts/account_service.hpp"
#include "cinestream/http/router.hpp"

namespace cinestream::accounts {

class AccountsApi {
 public:
  explicit AccountsApi(AccountService& service) : service_(service) {}
  void register_routes(http::Router& router);

 private:
  AccountService& service_;
};

}  // namespace cinestream::accounts
