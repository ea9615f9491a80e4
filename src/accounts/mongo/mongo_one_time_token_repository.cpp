// Single-use email tokens on MongoDB: accounts_one_time_tokens, keyed by the token's hash.
#include "accounts/mongo/mongo_accounts.hpp"
#include "cinestream/mail/outbox.hpp"

namespace cinestream::accounts::mongo_backend {
namespace {

class MongoOneTimeTokenRepository final : public OneTimeTokenRepository {
 public:
  explicit MongoOneTimeTokenRepository(ClientPool& pool) : pool_(pool) {}

  void issue(TokenPurpose purpose, std::string_view user_id, std::string_view hash,
             SysSeconds expires_at, const mail::Message& message) override {
    pool_.with([&](Conn& c) {
      Doc withdraw;
      withdraw.str("user_id", user_id).str("purpose", purpose_name(purpose)).i64("used", 0);
      Doc used;
      used.doc("$set", Doc().i64("used", 1));
      cinestream::mongo::update_many(c, kTokens, withdraw, used);
      Doc d;
      d.str("hash", hash).str("purpose", purpose_name(purpose)).str("user_id", user_id);
      d.date("expires_at", expires_at).i64("used", 0);
      cinestream::mongo::insert_one(c, kTokens, d);
      // After the token: a crash in between leaves a token nobody was sent (harmless), never a
      // link that does not work.
      mail::enqueue(c, message, std::chrono::system_clock::now());
    });
  }

  // Doc is neither copyable nor movable: filled in place.
  static void usable_filter(Doc& filter, TokenPurpose purpose, std::string_view hash,
                            SysSeconds now) {
    filter.str("hash", hash).str("purpose", purpose_name(purpose)).i64("used", 0);
    filter.doc("expires_at", Doc().date("$gt", now));
  }

  std::optional<std::string> consume(TokenPurpose purpose, std::string_view hash,
                                     SysSeconds now) override {
    return pool_.with([&](Conn& c) -> std::optional<std::string> {
      Doc filter;
      usable_filter(filter, purpose, hash, now);
      Doc update;
      update.doc("$set", Doc().i64("used", 1));
      auto doc = cinestream::mongo::find_and_modify(c, kTokens, filter, update);
      if (!doc) return std::nullopt;
      return cinestream::mongo::str_at(doc->get(), "user_id");
    });
  }

  bool usable(TokenPurpose purpose, std::string_view hash, SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      bool found = false;
      Doc filter;
      usable_filter(filter, purpose, hash, now);
      cinestream::mongo::find_page(c, kTokens, filter, Doc(), 0, 1,
                                   [&](const bson_t*) { found = true; });
      return found;
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<OneTimeTokenRepository> make_one_time_token_repository(ClientPool& pool) {
  return std::make_unique<MongoOneTimeTokenRepository>(pool);
}

}  // namespace cinestream::accounts::mongo_backend
