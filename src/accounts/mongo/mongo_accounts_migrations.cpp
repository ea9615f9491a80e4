// The accounts schema on MongoDB, module "accounts": the indexes that make its writes atomic
// and its reads cheap. Each step is idempotent (processes may start together). Documents are
// keyed by their own unique fields (id, hash, key) and leave _id to the server.
#include <array>

#include "accounts/mongo/mongo_accounts.hpp"

namespace cinestream::accounts::mongo_backend {
namespace {

using cinestream::mongo::create_indexes;
using cinestream::mongo::index;

void v1_accounts(Conn& c) {
  {
    Doc list;
    index(list, "id_unique", Doc().i32("id", 1), true);
    index(list, "email_unique", Doc().i32("email", 1), true);
    index(list, "created", Doc().i32("created_at", 1).i32("id", 1));
    create_indexes(c, kUsers, list);
  }
  {
    Doc list;
    index(list, "id_unique", Doc().i32("id", 1), true);
    index(list, "token_unique", Doc().i32("token_hash", 1), true);
    index(list, "rotated", Doc().i32("rotated_hashes", 1));
    index(list, "user", Doc().i32("user_id", 1));
    create_indexes(c, kSessions, list);
  }
  {
    Doc list;
    index(list, "hash_unique", Doc().i32("hash", 1), true);
    index(list, "user_purpose", Doc().i32("user_id", 1).i32("purpose", 1));
    create_indexes(c, kTokens, list);
  }
  {
    Doc list;
    index(list, "user", Doc().i32("user_id", 1).i32("at", -1));
    index(list, "email", Doc().i32("email", 1).i32("at", -1));
    create_indexes(c, kAudit, list);
  }
  {
    Doc list;
    index(list, "key_unique", Doc().i32("key", 1), true);
    create_indexes(c, kThrottle, list);
  }
}

const std::array<cinestream::mongo::Migration, 1> kMigrations{{
    {1, "accounts: users, sessions, rotated refresh tokens, one-time tokens, audit, throttle",
     &v1_accounts},
}};

}  // namespace

std::span<const cinestream::mongo::Migration> migrations() {
  return kMigrations;
}

}  // namespace cinestream::accounts::mongo_backend
