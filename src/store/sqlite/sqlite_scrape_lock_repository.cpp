// The city lock on SQLite: columns of `locations`, each operation one statement or one IMMEDIATE
// transaction.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqliteScrapeLockRepository final : public ScrapeLockRepository {
 public:
  explicit SqliteScrapeLockRepository(ConnectionPool& pool) : pool_(pool) {}

  LockResult try_lock_city(std::string_view city_id, std::string_view owner,
                           std::string_view source, std::chrono::seconds lease,
                           SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      auto st = c.prepare(
          "UPDATE locations SET status = 'processing', lock_owner = ?2, lock_expires = ?3, "
          "lock_source = ?4, error = '', progress = '' WHERE id = ?1 AND (status != 'processing' "
          "OR "
          "lock_expires IS NULL OR lock_expires <= ?5)");
      st.bind(1, city_id).bind(2, owner).bind(3, epoch(now + lease)).bind(4, source);
      st.bind(5, epoch(now));
      st.run();
      bool acquired = c.changes() == 1;
      auto state = state_of(c, city_id);
      tx.commit();
      if (!state) return LockResult{LockOutcome::unknown_city, {}};
      return LockResult{acquired ? LockOutcome::acquired : LockOutcome::held, *state};
    });
  }

  bool renew_city_lock(std::string_view city_id, std::string_view owner, std::chrono::seconds lease,
                       SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE locations SET lock_expires = ?3 WHERE id = ?1 AND lock_owner = ?2 AND "
          "status = 'processing'");
      st.bind(1, city_id).bind(2, owner).bind(3, epoch(now + lease));
      st.run();
      return c.changes() == 1;
    });
  }

  bool release_city_lock(std::string_view city_id, std::string_view owner,
                         ScrapeStatus final_status, std::string_view error,
                         SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE locations SET status = ?3, error = ?4, lock_owner = '', lock_expires = NULL, "
          "data_version = data_version + 1, lock_source = '', last_updated = CASE WHEN ?3 = "
          "'fresh' THEN ?5 ELSE last_updated "
          "END WHERE id = ?1 AND lock_owner = ?2 AND status = 'processing'");
      st.bind(1, city_id).bind(2, owner).bind(3, to_string(final_status)).bind(4, error);
      st.bind(5, epoch(now));
      st.run();
      return c.changes() == 1;
    });
  }

  std::vector<std::string> expire_lapsed_locks(SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      auto st = c.prepare(
          "UPDATE locations SET status = 'stale', lock_owner = '', lock_expires = NULL, "
          "lock_source = '', error = 'lock lease lapsed', data_version = data_version + 1 "
          "WHERE status = 'processing' AND (lock_expires IS NULL OR lock_expires <= ?1) "
          "RETURNING id");
      st.bind(1, epoch(now));
      std::vector<std::string> ids;
      while (st.step())
        ids.push_back(st.text(0));
      tx.commit();
      return ids;
    });
  }

  bool set_progress(std::string_view city_id, std::string_view owner,
                    std::string_view progress_json) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "UPDATE locations SET progress = ?3 WHERE id = ?1 AND lock_owner = ?2 AND "
          "status = 'processing'");
      st.bind(1, city_id).bind(2, owner).bind(3, progress_json);
      st.run();
      return c.changes() == 1;
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<ScrapeLockRepository> make_scrape_lock_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteScrapeLockRepository>(pool);
}

}  // namespace cinestream::sqlite
