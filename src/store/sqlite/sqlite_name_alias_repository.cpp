// Learned name aliases on SQLite: the `name_aliases` table (migration 3).
#include <string>
#include <vector>

#include "cinestream/text/normalize.hpp"
#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqliteNameAliasRepository final : public NameAliasRepository {
 public:
  explicit SqliteNameAliasRepository(ConnectionPool& pool) : pool_(pool) {}

  bool learn_alias(std::string_view city_id, std::string_view kind, std::string_view alias,
                   std::string_view name, SysSeconds now) override {
    auto key = normalize_key(alias);
    if (key.empty()) return false;
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "INSERT INTO name_aliases (city_id, kind, alias_key, alias, name, learned_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (city_id, kind, alias_key) DO UPDATE SET "
          "alias = excluded.alias, name = excluded.name, learned_at = excluded.learned_at "
          "WHERE name <> excluded.name");
      st.bind(1, city_id).bind(2, kind).bind(3, std::string_view(key)).bind(4, alias);
      st.bind(5, name).bind(6, static_cast<std::int64_t>(now.time_since_epoch().count()));
      st.run();
      return c.changes() == 1;
    });
  }

  std::vector<NameAlias> aliases(std::string_view city_id, std::string_view kind) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT kind, alias, name FROM name_aliases WHERE city_id = ?1 AND kind = ?2 "
          "ORDER BY learned_at, alias_key");
      st.bind(1, city_id).bind(2, kind);
      std::vector<NameAlias> out;
      while (st.step())
        out.push_back({std::string(st.text(0)), std::string(st.text(1)), std::string(st.text(2))});
      return out;
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<NameAliasRepository> make_name_alias_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteNameAliasRepository>(pool);
}

}  // namespace cinestream::sqlite
