// Film links on SQLite: movies.film_id.
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_common.hpp"

namespace cinestream::sqlite {
namespace {

Movie read_titles(const Statement& st) {
  // Columns: id, city_id, film_id, title_en, title_local, title_ua, title_ru, description_en,
  // description_ua, description_ru, image_url, image_path.
  Movie m;
  m.id = st.integer(0);
  m.city_id = st.text(1);
  m.film_id = st.integer(2);
  m.title = {st.text(3), st.text(4), st.text(5), st.text(6)};
  m.description = {st.text(7), st.text(8), st.text(9)};
  m.image_url = st.text(10);
  m.image_path = st.text(11);
  return m;
}

constexpr const char* kTitleColumns =
    "SELECT id, city_id, film_id, title_en, title_local, title_ua, title_ru, description_en, "
    "description_ua, description_ru, image_url, image_path FROM movies ";

class SqliteFilmLinkRepository final : public FilmLinkRepository {
 public:
  explicit SqliteFilmLinkRepository(ConnectionPool& pool) : pool_(pool) {}

  std::vector<Movie> unlinked_movies(std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format("{}WHERE film_id = 0 ORDER BY id LIMIT ?1", kTitleColumns));
      st.bind(1, static_cast<std::int64_t>(limit));
      std::vector<Movie> out;
      while (st.step())
        out.push_back(read_titles(st));
      return out;
    });
  }

  std::vector<Movie> linked_titles() override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format("{}WHERE film_id != 0 ORDER BY id", kTitleColumns));
      std::vector<Movie> out;
      while (st.step())
        out.push_back(read_titles(st));
      return out;
    });
  }

  std::size_t link(std::string_view city_id, const std::vector<FilmLink>& links) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      std::size_t changed = 0;
      for (const auto& l : links) {
        auto st = c.prepare(
            "UPDATE movies SET film_id = ?3 WHERE id = ?1 AND city_id = ?2 AND film_id != ?3");
        st.bind(1, l.movie_id).bind(2, city_id).bind(3, l.film_id);
        st.run();
        changed += static_cast<std::size_t>(c.changes());
      }
      if (changed > 0) bump_version(c, city_id);
      tx.commit();
      return changed;
    });
  }

  std::size_t relink(std::int64_t from, std::int64_t into) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      std::set<std::string> cities;
      auto st = c.prepare("UPDATE movies SET film_id = ?2 WHERE film_id = ?1 RETURNING city_id");
      st.bind(1, from).bind(2, into);
      std::size_t moved = 0;
      while (st.step()) {
        cities.insert(st.text(0));
        ++moved;
      }
      for (const auto& city : cities)
        bump_version(c, city);
      tx.commit();
      return moved;
    });
  }

  std::vector<FilmPlace> places(std::int64_t film_id, SysSeconds from) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT m.city_id, m.id, m.title_en, m.title_local, m.title_ua, m.title_ru, "
          "(SELECT count(*) FROM showtimes s WHERE s.movie_id = m.id AND s.start_utc >= ?2) "
          "FROM movies m WHERE m.film_id = ?1 ORDER BY m.city_id, m.id");
      st.bind(1, film_id).bind(2, epoch(from));
      std::vector<FilmPlace> out;
      while (st.step()) {
        out.push_back(FilmPlace{st.text(0),
                                st.integer(1),
                                {st.text(2), st.text(3), st.text(4), st.text(5)},
                                st.integer(6)});
      }
      return out;
    });
  }

  std::vector<std::int64_t> films_playing(std::string_view city_id, SysSeconds from) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT DISTINCT m.film_id FROM showtimes s JOIN movies m ON m.id = s.movie_id "
          "WHERE s.city_id = ?1 AND s.start_utc >= ?2 AND m.film_id != 0 ORDER BY m.film_id");
      st.bind(1, city_id).bind(2, epoch(from));
      std::vector<std::int64_t> out;
      while (st.step())
        out.push_back(st.integer(0));
      return out;
    });
  }

 private:
  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<FilmLinkRepository> make_film_link_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteFilmLinkRepository>(pool);
}

}  // namespace cinestream::sqlite
