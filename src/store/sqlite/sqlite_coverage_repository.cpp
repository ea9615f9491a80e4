// Scrape coverage on SQLite: the `coverage` table.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqliteCoverageRepository final : public CoverageRepository {
 public:
  explicit SqliteCoverageRepository(ConnectionPool& pool) : pool_(pool) {}

  std::vector<std::string> covered_days(std::string_view city_id, std::string_view from_day,
                                        std::string_view to_day) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT day FROM coverage WHERE city_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day");
      st.bind(1, city_id).bind(2, from_day).bind(3, to_day);
      std::vector<std::string> days;
      while (st.step())
        days.push_back(st.text(0));
      return days;
    });
  }

  void mark_covered_fenced(std::string_view city_id, std::string_view owner,
                           const std::vector<std::string>& days, SysSeconds now) override {
    pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      require_holder(c, city_id, owner);
      cover_in(c, city_id, days, now);
      tx.commit();
    });
  }

  void mark_covered(std::string_view city_id, const std::vector<std::string>& days,
                    SysSeconds now) override {
    pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      cover_in(c, city_id, days, now);
      tx.commit();
    });
  }

  void cover_in(Connection& c, std::string_view city_id, const std::vector<std::string>& days,
                SysSeconds now) {
    for (const auto& d : days) {
      auto st = c.prepare(
          "INSERT INTO coverage (city_id, day, scraped_at) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (city_id, day) DO UPDATE SET scraped_at = ?3");
      st.bind(1, city_id).bind(2, d).bind(3, epoch(now));
      st.run();
    }
  }

  void prune_coverage(std::string_view city_id, std::string_view before_day) override {
    pool_.with([&](Connection& c) {
      auto st = c.prepare("DELETE FROM coverage WHERE city_id = ?1 AND day < ?2");
      st.bind(1, city_id).bind(2, before_day);
      st.run();
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<CoverageRepository> make_coverage_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteCoverageRepository>(pool);
}

}  // namespace cinestream::sqlite
