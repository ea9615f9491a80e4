// Learned name aliases on MongoDB: the `name_aliases` collection, one document per alias, unique
// on (city_id, kind, alias_key) (migration 3).
#include <string>
#include <vector>

#include "cinestream/text/normalize.hpp"
#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

class MongoNameAliasRepository final : public NameAliasRepository {
 public:
  explicit MongoNameAliasRepository(ClientPool& pool) : pool_(pool) {}

  bool learn_alias(std::string_view city_id, std::string_view kind, std::string_view alias,
                   std::string_view name, SysSeconds now) override {
    auto key = normalize_key(alias);
    if (key.empty()) return false;
    return pool_.with([&](Conn& c) {
      Doc key_filter;
      key_filter.str("city_id", city_id).str("kind", kind).str("alias_key", key);
      bool same = false;
      find(c, "name_aliases", key_filter, Doc(),
           [&](const bson_t* d) { same = same || str_at(d, "name") == name; });
      if (same) return false;
      // One upsert on the unique (city_id, kind, alias_key): a new alias, or a new name for it.
      Doc update;
      update.doc("$set", Doc()
                             .str("alias", alias)
                             .str("name", name)
                             .i64("learned_at", now.time_since_epoch().count()));
      try {
        update_one(c, "name_aliases", key_filter, update, true);
        return true;
      } catch (const DuplicateKey&) {
        return false;  // learned by another process at the same moment
      }
    });
  }

  std::vector<NameAlias> aliases(std::string_view city_id, std::string_view kind) override {
    return pool_.with([&](Conn& c) {
      std::vector<NameAlias> out;
      find(c, "name_aliases", Doc().str("city_id", city_id).str("kind", kind),
           Doc().i32("learned_at", 1).i32("alias_key", 1), [&](const bson_t* d) {
             out.push_back({str_at(d, "kind"), str_at(d, "alias"), str_at(d, "name")});
           });
      return out;
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<NameAliasRepository> make_name_alias_repository(ClientPool& pool) {
  return std::make_unique<MongoNameAliasRepository>(pool);
}

}  // namespace cinestream::mongo
