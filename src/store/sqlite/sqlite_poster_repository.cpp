// Posters on SQLite: movies.image_path.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

class SqlitePosterRepository final : public PosterRepository {
 public:
  explicit SqlitePosterRepository(ConnectionPool& pool) : pool_(pool) {}

  void set_movie_poster(std::int64_t movie_id, std::string_view image_path) override {
    pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      auto st = c.prepare("UPDATE movies SET image_path = ?2 WHERE id = ?1 RETURNING city_id");
      st.bind(1, movie_id).bind(2, image_path);
      std::string city;
      if (st.step()) city = st.text(0);
      st.run();
      if (!city.empty()) bump_version(c, city);
      tx.commit();
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<PosterRepository> make_poster_repository(ConnectionPool& pool) {
  return std::make_unique<SqlitePosterRepository>(pool);
}

}  // namespace cinestream::sqlite
