#pragma once
// The daily Gemini budget, shared by every process.
#include <cstdint>
#include <string_view>

#include "cinestream/store/errors.hpp"

namespace cinestream {

struct BudgetUse {
  std::int64_t grounded_calls = 0;
  std::int64_t micro_usd = 0;
};

class BudgetRepository {
 public:
  virtual ~BudgetRepository() = default;

  // Adds one call's spend to `day` if that keeps it within the limits and returns whether it did.
  // Atomic check-and-add on both backends (SQLite: one IMMEDIATE transaction; MongoDB: one
  // filtered $inc).
  virtual bool charge_budget(std::string_view day, std::int64_t grounded_calls,
                             std::int64_t micro_usd, std::int64_t max_grounded_calls,
                             std::int64_t max_micro_usd) = 0;
  virtual BudgetUse budget_used(std::string_view day) = 0;
};

}  // namespace cinestream
