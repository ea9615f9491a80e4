// The visitor counter on SQLite: a row of `stats`.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqliteVisitRepository final : public VisitRepository {
 public:
  explicit SqliteVisitRepository(ConnectionPool& pool) : pool_(pool) {}

  void add_visits(std::int64_t n) override {
    if (n <= 0) return;
    pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "INSERT INTO stats (key, count) VALUES ('visitor_counter', ?1) "
          "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count");
      st.bind(1, n);
      st.run();
    });
  }

  std::int64_t visits() override {
    return pool_.with([](Connection& c) {
      auto st = c.prepare("SELECT count FROM stats WHERE key = 'visitor_counter'");
      return st.step() ? st.integer(0) : std::int64_t{0};
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<VisitRepository> make_visit_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteVisitRepository>(pool);
}

}  // namespace cinestream::sqlite
