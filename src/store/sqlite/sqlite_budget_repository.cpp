// The Gemini budget on SQLite: the `budget` table.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqliteBudgetRepository final : public BudgetRepository {
 public:
  explicit SqliteBudgetRepository(ConnectionPool& pool) : pool_(pool) {}

  bool charge_budget(std::string_view day, std::int64_t grounded_calls, std::int64_t micro_usd,
                     std::int64_t max_grounded_calls, std::int64_t max_micro_usd) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      auto ensure = c.prepare("INSERT INTO budget (day) VALUES (?1) ON CONFLICT (day) DO NOTHING");
      ensure.bind(1, day);
      ensure.run();
      auto st = c.prepare(
          "UPDATE budget SET grounded_calls = grounded_calls + ?2, micro_usd = micro_usd + ?3 "
          "WHERE day = ?1 AND grounded_calls + ?2 <= ?4 AND micro_usd + ?3 <= ?5");
      st.bind(1, day).bind(2, grounded_calls).bind(3, micro_usd).bind(4, max_grounded_calls);
      st.bind(5, max_micro_usd);
      st.run();
      bool ok = c.changes() == 1;
      tx.commit();
      return ok;
    });
  }

  BudgetUse budget_used(std::string_view day) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare("SELECT grounded_calls, micro_usd FROM budget WHERE day = ?1");
      st.bind(1, day);
      BudgetUse u;
      if (st.step()) u = {st.integer(0), st.integer(1)};
      return u;
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<BudgetRepository> make_budget_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteBudgetRepository>(pool);
}

}  // namespace cinestream::sqlite
