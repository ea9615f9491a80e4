#pragma once
// Who is asking, and may they: the global middleware that turns credentials (an
// `Authorization: Bearer` access token, or the browser's access cookie) into ctx.principal, and
// the per-route middleware that requires a principal holding a permission. Handlers never check
// roles themselves.
#include <string_view>

#include "cinestream/accounts/access_token.hpp"
#include "cinestream/accounts/role.hpp"
#include "cinestream/http/middleware.hpp"

namespace cinestream::accounts {

inline constexpr std::string_view kAccessCookie = "cs_access";
inline constexpr std::string_view kRefreshCookie = "cs_refresh";
inline constexpr std::string_view kCsrfCookie = "cs_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// Fills ctx.principal from valid credentials; bad credentials leave it empty and say why in
// ctx.auth_failure (public routes still answer). A browser's cookie authenticates an unsafe
// request only with the double-submit token: the X-CSRF-Token header equal to the cs_csrf cookie
// (the Origin check runs before, in the router's CSRF hook); without it, 403 csrf_token_invalid.
http::Middleware authenticate(const KeyRing& keys);

// 401 unauthenticated (or the credentials' failure, with WWW-Authenticate: Bearer) without a
// principal; 403 forbidden when its role lacks `permission`.
http::Middleware require(Permission permission);

// The double-submit check on its own, for routes that read the refresh cookie.
bool csrf_token_matches(const http::RequestContext& ctx);

}  // namespace cinestream::accounts
