// Accounts on MongoDB: one document per user in accounts_users (unique index on email).
#include <vector>

#include "accounts/mongo/mongo_accounts.hpp"
#include "cinestream/mail/outbox.hpp"

namespace cinestream::accounts::mongo_backend {
namespace {

using cinestream::mongo::DuplicateKey;
using cinestream::mongo::int_at;
using cinestream::mongo::str_at;

User read_user(const bson_t* d) {
  User u;
  u.id = str_at(d, "id");
  u.email = str_at(d, "email");
  u.display_name = str_at(d, "display_name");
  u.lang = str_at(d, "lang");
  u.home_city = str_at(d, "home_city");
  u.role = parse_role(str_at(d, "role")).value_or(Role::customer);
  u.password_hash = str_at(d, "password_hash");
  u.email_verified = int_at(d, "email_verified") != 0;
  u.disabled = int_at(d, "disabled") != 0;
  u.notifications.film_in_my_city = int_at(d, "notify_film_in_city") != 0;
  u.notifications.newsletter = int_at(d, "notify_newsletter") != 0;
  u.created_at = date_or_epoch(d, "created_at");
  u.updated_at = date_or_epoch(d, "updated_at");
  return u;
}

class MongoUserRepository final : public UserRepository {
 public:
  explicit MongoUserRepository(ClientPool& pool) : pool_(pool) {}

  void create(const User& u, const std::optional<IssuedToken>& verification,
              const mail::Message& welcome) override {
    pool_.with([&](Conn& c) {
      Doc d;
      d.str("id", u.id).str("email", u.email).str("display_name", u.display_name);
      d.str("lang", u.lang).str("home_city", u.home_city).str("role", role_name(u.role));
      d.str("password_hash", u.password_hash).i64("email_verified", u.email_verified);
      d.i64("disabled", u.disabled).i64("notify_film_in_city", u.notifications.film_in_my_city);
      d.i64("notify_newsletter", u.notifications.newsletter);
      d.date("created_at", u.created_at).date("updated_at", u.updated_at);
      // The unique index on email settles concurrent sign-ups. The lookup keeps the common,
      // sequential case right on MongoDB-compatible servers that accept a unique index without
      // enforcing it (some do, our wire-protocol test peer among them).
      bool taken = false;
      cinestream::mongo::find(c, kUsers, Doc().str("email", u.email), Doc(),
                              [&](const bson_t*) { taken = true; });
      if (taken) throw EmailTaken();
      try {
        cinestream::mongo::insert_one(c, kUsers, d);
      } catch (const DuplicateKey&) {
        throw EmailTaken();
      }
      if (verification) {
        Doc token;
        token.str("hash", verification->hash).str("purpose", purpose_name(verification->purpose));
        token.str("user_id", u.id).date("expires_at", verification->expires_at).i64("used", 0);
        cinestream::mongo::insert_one(c, kTokens, token);
      }
      if (!welcome.to.empty()) mail::enqueue(c, welcome, u.created_at);
    });
  }

  std::optional<User> by_email(std::string_view email) override {
    return one(Doc().str("email", email));
  }
  std::optional<User> by_id(std::string_view id) override { return one(Doc().str("id", id)); }

  bool update_profile(const User& u) override {
    Doc set;
    set.str("display_name", u.display_name).str("lang", u.lang).str("home_city", u.home_city);
    set.i64("notify_film_in_city", u.notifications.film_in_my_city);
    set.i64("notify_newsletter", u.notifications.newsletter).date("updated_at", u.updated_at);
    return update(u.id, set);
  }
  bool set_password_hash(std::string_view id, std::string_view hash, SysSeconds now) override {
    Doc set;
    set.str("password_hash", hash).date("updated_at", now);
    return update(id, set);
  }
  bool set_role(std::string_view id, Role role, SysSeconds now) override {
    Doc set;
    set.str("role", role_name(role)).date("updated_at", now);
    return update(id, set);
  }
  bool set_disabled(std::string_view id, bool disabled, SysSeconds now) override {
    Doc set;
    set.i64("disabled", disabled).date("updated_at", now);
    return update(id, set);
  }
  bool mark_email_verified(std::string_view id, SysSeconds now) override {
    Doc set;
    set.i64("email_verified", 1).date("updated_at", now);
    return update(id, set);
  }

  std::vector<User> list(std::size_t offset, std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      std::vector<User> out;
      if (limit == 0) return out;
      cinestream::mongo::find_page(c, kUsers, Doc(), Doc().i32("created_at", 1).i32("id", 1),
                                   static_cast<std::int64_t>(offset),
                                   static_cast<std::int64_t>(limit),
                                   [&](const bson_t* d) { out.push_back(read_user(d)); });
      return out;
    });
  }

  bool erase(std::string_view id) override {
    return pool_.with([&](Conn& c) {
      std::optional<User> user;
      cinestream::mongo::find(c, kUsers, Doc().str("id", id), Doc(),
                              [&](const bson_t* d) { user = read_user(d); });
      if (!user) return false;
      // Dependent rows first, the user last: an interrupted deletion leaves the account, and
      // deleting it again finishes the job.
      cinestream::mongo::delete_many(c, kSessions, Doc().str("user_id", id));
      cinestream::mongo::delete_many(c, kTokens, Doc().str("user_id", id));
      cinestream::mongo::delete_many(c, kAudit, Doc().str("user_id", id));
      cinestream::mongo::delete_many(c, kAudit, Doc().str("email", user->email));
      cinestream::mongo::delete_many(c, kThrottle,
                                     Doc().str("key", fmt::format("email:{}", user->email)));
      mail::forget_recipient(c, user->email);
      return cinestream::mongo::delete_one(c, kUsers, Doc().str("id", id)) == 1;
    });
  }

 private:
  std::optional<User> one(const Doc& filter) {
    return pool_.with([&](Conn& c) {
      std::optional<User> u;
      cinestream::mongo::find(c, kUsers, filter, Doc(), [&](const bson_t* d) { u = read_user(d); });
      return u;
    });
  }

  bool update(std::string_view id, const Doc& set) {
    return pool_.with([&](Conn& c) {
      Doc u;
      u.doc("$set", set);
      return cinestream::mongo::update_one(c, kUsers, Doc().str("id", id), u, false).matched == 1;
    });
  }

  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(ClientPool& pool) {
  return std::make_unique<MongoUserRepository>(pool);
}

}  // namespace cinestream::accounts::mongo_backend
