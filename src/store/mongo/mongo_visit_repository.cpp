// The visitor counter on MongoDB: a document of `stats`.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

class MongoVisitRepository final : public VisitRepository {
 public:
  explicit MongoVisitRepository(ClientPool& pool) : pool_(pool) {}

  void add_visits(std::int64_t n) override {
    if (n <= 0) return;
    pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$inc", Doc().i64("count", n));
      try {
        update_one(c, "stats", Doc().str("key", "visitor_counter"), update, true);
      } catch (const DuplicateKey&) {
        update_one(c, "stats", Doc().str("key", "visitor_counter"), update, true);
      }
    });
  }

  std::int64_t visits() override {
    return pool_.with([&](Conn& c) {
      std::int64_t n = 0;
      find(c, "stats", Doc().str("key", "visitor_counter"), Doc(),
           [&](const bson_t* d) { n = int_at(d, "count"); });
      return n;
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<VisitRepository> make_visit_repository(ClientPool& pool) {
  return std::make_unique<MongoVisitRepository>(pool);
}

}  // namespace cinestream::mongo
