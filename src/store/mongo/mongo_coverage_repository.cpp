// Scrape coverage on MongoDB: the `coverage` collection, one document per city and day.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

class MongoCoverageRepository final : public CoverageRepository {
 public:
  explicit MongoCoverageRepository(ClientPool& pool) : pool_(pool) {}

  std::vector<std::string> covered_days(std::string_view city_id, std::string_view from_day,
                                        std::string_view to_day) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id).doc("day", Doc().str("$gte", from_day).str("$lte", to_day));
      std::vector<std::string> days;
      find(c, "coverage", filter, Doc().i32("day", 1),
           [&](const bson_t* d) { days.push_back(str_at(d, "day")); });
      return days;
    });
  }

  void mark_covered_fenced(std::string_view city_id, std::string_view owner,
                           const std::vector<std::string>& days, SysSeconds now) override {
    if (owner.empty()) throw LockLost("a fenced write needs an owner");
    pool_.with([&](Conn& c) { require_holder(c, city_id, owner); });
    mark_covered(city_id, days, now);
  }

  void mark_covered(std::string_view city_id, const std::vector<std::string>& days,
                    SysSeconds now) override {
    pool_.with([&](Conn& c) {
      for (const auto& day : days) {
        Doc filter;
        filter.str("city_id", city_id).str("day", day);
        Doc update;
        update.doc("$set", Doc().date("scraped_at", now));
        try {
          update_one(c, "coverage", filter, update, true);
        } catch (const DuplicateKey&) {
          update_one(c, "coverage", filter, update, true);  // inserted concurrently: update it
        }
      }
    });
  }

  void prune_coverage(std::string_view city_id, std::string_view before_day) override {
    pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id).doc("day", Doc().str("$lt", before_day));
      delete_many(c, "coverage", filter);
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<CoverageRepository> make_coverage_repository(ClientPool& pool) {
  return std::make_unique<MongoCoverageRepository>(pool);
}

}  // namespace cinestream::mongo
