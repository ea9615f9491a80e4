// The Gemini budget on MongoDB: the `budget` collection, one document per day.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

class MongoBudgetRepository final : public BudgetRepository {
 public:
  explicit MongoBudgetRepository(ClientPool& pool) : pool_(pool) {}

  bool charge_budget(std::string_view day, std::int64_t grounded_calls, std::int64_t micro_usd,
                     std::int64_t max_grounded_calls, std::int64_t max_micro_usd) override {
    return pool_.with([&](Conn& c) {
      {
        Doc filter;
        filter.str("day", day);
        Doc update;
        update.doc("$setOnInsert", Doc().i64("grounded_calls", 0).i64("micro_usd", 0));
        try {
          update_one(c, "budget", filter, update, true);
        } catch (const DuplicateKey&) {
          // created by another process meanwhile: fine
        }
      }
      // Check and add in one filtered update: the document changes only if the sums stay within.
      Doc filter;
      filter.str("day", day)
          .doc("grounded_calls", Doc().i64("$lte", max_grounded_calls - grounded_calls))
          .doc("micro_usd", Doc().i64("$lte", max_micro_usd - micro_usd));
      Doc update;
      update.doc("$inc", Doc().i64("grounded_calls", grounded_calls).i64("micro_usd", micro_usd));
      return update_one(c, "budget", filter, update, false).matched == 1;
    });
  }

  BudgetUse budget_used(std::string_view day) override {
    return pool_.with([&](Conn& c) {
      BudgetUse u;
      find(c, "budget", Doc().str("day", day), Doc(), [&](const bson_t* d) {
        u = {int_at(d, "grounded_calls"), int_at(d, "micro_usd")};
      });
      return u;
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<BudgetRepository> make_budget_repository(ClientPool& pool) {
  return std::make_unique<MongoBudgetRepository>(pool);
}

}  // namespace cinestream::mongo
