// Movies, cinemas and showtimes on SQLite: tables `movies`, `theaters`, `showtimes`; every write
// is one IMMEDIATE transaction.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cinestream/text/normalize.hpp"
#include "store/sqlite/sqlite_common.hpp"
#include "store/store_keys.hpp"

namespace cinestream::sqlite {
namespace {

using store_keys::canonical_format;
using store_keys::movie_key;
using store_keys::trim;

class SqliteShowtimeRepository final : public ShowtimeRepository {
 public:
  explicit SqliteShowtimeRepository(ConnectionPool& pool) : pool_(pool) {}

  std::vector<Movie> movies_between(std::string_view city_id, SysSeconds from,
                                    SysSeconds to) override {
    return pool_.with([&](Connection& c) {
      // One read transaction so the rows are a consistent snapshot even while another process
      // merges.
      c.exec("BEGIN");
      struct EndRead {
        Connection& c;
        ~EndRead() {
          try {
            c.exec("COMMIT");
          } catch (...) {
          }
        }
      } end{c};
      auto st = c.prepare(
          "SELECT m.id, m.title_en, m.title_local, m.title_ua, m.title_ru, m.description_en, "
          "m.description_ua, m.description_ru, m.image_url, m.image_path, m.created_at, "
          "m.updated_at, t.id, t.name, t.address, t.website, s.start_utc, s.format, s.language, "
          "s.hall, m.film_id "
          "FROM showtimes s JOIN movies m ON m.id = s.movie_id JOIN theaters t ON t.id = "
          "s.theater_id "
          "WHERE s.city_id = ?1 AND s.start_utc >= ?2 AND s.start_utc < ?3 "
          "ORDER BY m.id, t.name, t.id, s.start_utc, s.format, s.language");
      st.bind(1, city_id).bind(2, epoch(from)).bind(3, epoch(to));
      std::vector<Movie> out;
      std::int64_t last_theater = -1;
      while (st.step()) {
        std::int64_t movie_id = st.integer(0);
        if (out.empty() || out.back().id != movie_id) {
          Movie m;
          m.id = movie_id;
          m.city_id = std::string(city_id);
          m.title = {st.text(1), st.text(2), st.text(3), st.text(4)};
          m.description = {st.text(5), st.text(6), st.text(7)};
          m.image_url = st.text(8);
          m.image_path = st.text(9);
          m.created_at = from_epoch(st.integer(10));
          m.updated_at = from_epoch(st.integer(11));
          m.film_id = st.integer(20);
          out.push_back(std::move(m));
          last_theater = -1;
        }
        Movie& m = out.back();
        std::int64_t theater_id = st.integer(12);
        if (theater_id != last_theater) {
          m.theaters.push_back(Theater{st.text(13), st.text(14), st.text(15), {}});
          last_theater = theater_id;
        }
        m.theaters.back().showtimes.push_back(
            Showtime{from_epoch(st.integer(16)), st.text(17), st.text(18), st.text(19)});
      }
      std::sort(out.begin(), out.end(), [](const Movie& a, const Movie& b) {
        return movie_key(a.title) < movie_key(b.title);
      });
      return out;
    });
  }

  MergeStats merge_movies(std::string_view city_id, const std::vector<Movie>& movies,
                          SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      if (!state_of(c, city_id)) throw std::invalid_argument("unknown city");
      auto stats = merge_in(c, city_id, movies, now);
      tx.commit();
      return stats;
    });
  }

  MergeStats merge_movies_fenced(std::string_view city_id, std::string_view owner,
                                 const std::vector<Movie>& movies, SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      // The owner check and the merge share one IMMEDIATE transaction: no other writer (a lock
      // takeover included) can come between them.
      WriteTransaction tx(c);
      require_holder(c, city_id, owner);
      auto stats = merge_in(c, city_id, movies, now);
      tx.commit();
      return stats;
    });
  }

  MergeStats merge_in(Connection& c, std::string_view city_id, const std::vector<Movie>& movies,
                      SysSeconds now) {
    MergeStats stats;
    auto theaters = load_theaters(c, city_id);
    for (const auto& movie : movies) {
      std::string key = movie_key(movie.title);
      if (key.empty()) continue;
      std::int64_t movie_id = upsert_movie(c, city_id, key, movie, now, stats);
      for (const auto& theater : movie.theaters) {
        std::int64_t theater_id = find_or_add_theater(c, city_id, theater, theaters, stats);
        for (const auto& s : theater.showtimes) {
          auto st = c.prepare(
              "INSERT INTO showtimes (city_id, movie_id, theater_id, start_utc, format, "
              "language, hall) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING");
          st.bind(1, city_id).bind(2, movie_id).bind(3, theater_id).bind(4, epoch(s.start));
          st.bind(5, canonical_format(s.format)).bind(6, trim(s.language)).bind(7, trim(s.hall));
          st.run();
          if (c.changes() > 0) {
            ++stats.showtimes_added;
          } else {
            ++stats.showtimes_duplicate;
          }
        }
      }
    }
    if (stats.movies_added || stats.theaters_added || stats.showtimes_added) {
      bump_version(c, city_id);
    }
    return stats;
  }

  std::size_t prune_before(std::string_view city_id, SysSeconds cutoff) override {
    return pool_.with([&](Connection& c) {
      WriteTransaction tx(c);
      auto del = c.prepare("DELETE FROM showtimes WHERE city_id = ?1 AND start_utc < ?2");
      del.bind(1, city_id).bind(2, epoch(cutoff));
      del.run();
      auto removed = static_cast<std::size_t>(c.changes());
      auto orphans = c.prepare(
          "DELETE FROM movies WHERE city_id = ?1 AND NOT EXISTS "
          "(SELECT 1 FROM showtimes s WHERE s.movie_id = movies.id)");
      orphans.bind(1, city_id);
      orphans.run();
      if (removed > 0 || c.changes() > 0) bump_version(c, city_id);
      tx.commit();
      return removed;
    });
  }

  std::vector<Theater> theaters(std::string_view city_id) override {
    return pool_.with([&](Connection& c) {
      auto st =
          c.prepare("SELECT name, address, website FROM theaters WHERE city_id = ?1 ORDER BY id");
      st.bind(1, city_id);
      std::vector<Theater> out;
      while (st.step())
        out.push_back(Theater{st.text(0), st.text(1), st.text(2), {}});
      return out;
    });
  }

 private:
  struct TheaterRow {
    std::int64_t id;
    std::string name_key;
    std::string address_key;
  };

  static std::vector<TheaterRow> load_theaters(Connection& c, std::string_view city_id) {
    auto st =
        c.prepare("SELECT id, name_key, address_key FROM theaters WHERE city_id = ?1 ORDER BY id");
    st.bind(1, city_id);
    std::vector<TheaterRow> rows;
    while (st.step())
      rows.push_back({st.integer(0), st.text(1), st.text(2)});
    return rows;
  }

  // A theater matches on its normalised name and, when both sides know it, its address.
  static std::int64_t find_or_add_theater(Connection& c, std::string_view city_id, const Theater& t,
                                          std::vector<TheaterRow>& known, MergeStats& stats) {
    std::string name_key = normalize_key(t.name);
    std::string address_key = normalize_key(t.address);
    for (auto& row : known) {
      if (row.name_key != name_key) continue;
      if (row.address_key == address_key || row.address_key.empty() || address_key.empty()) {
        if (row.address_key.empty() && !address_key.empty()) {
          auto up = c.prepare(
              "UPDATE theaters SET address = ?2, address_key = ?3 WHERE id = ?1 AND "
              "NOT EXISTS (SELECT 1 FROM theaters WHERE city_id = ?4 AND name_key = ?5 AND "
              "address_key = ?3)");
          up.bind(1, row.id).bind(2, trim(t.address)).bind(3, address_key).bind(4, city_id);
          up.bind(5, name_key);
          up.run();
          // The row now has this address: later theaters of this merge must see it, or one with
          // yet another address would match the row again and move it there.
          if (c.changes() > 0) row.address_key = address_key;
        }
        if (!t.website.empty()) {
          auto web = c.prepare("UPDATE theaters SET website = ?2 WHERE id = ?1 AND website = ''");
          web.bind(1, row.id).bind(2, trim(t.website));
          web.run();
        }
        return row.id;
      }
    }
    auto ins = c.prepare(
        "INSERT INTO theaters (city_id, name_key, address_key, name, address, website) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    ins.bind(1, city_id).bind(2, name_key).bind(3, address_key).bind(4, trim(t.name));
    ins.bind(5, trim(t.address)).bind(6, trim(t.website));
    ins.run();
    std::int64_t id = c.last_insert_id();
    known.push_back({id, name_key, address_key});
    ++stats.theaters_added;
    return id;
  }

  // Inserts the movie or fills the fields the stored one lacks; never blanks a known field.
  static std::int64_t upsert_movie(Connection& c, std::string_view city_id, const std::string& key,
                                   const Movie& m, SysSeconds now, MergeStats& stats) {
    auto find = c.prepare("SELECT id FROM movies WHERE city_id = ?1 AND title_key = ?2");
    find.bind(1, city_id).bind(2, key);
    if (find.step()) {
      std::int64_t id = find.integer(0);
      auto up = c.prepare(
          "UPDATE movies SET "
          "title_en = CASE WHEN title_en = '' THEN ?2 ELSE title_en END, "
          "title_local = CASE WHEN title_local = '' THEN ?3 ELSE title_local END, "
          "title_ua = CASE WHEN title_ua = '' THEN ?4 ELSE title_ua END, "
          "title_ru = CASE WHEN title_ru = '' THEN ?5 ELSE title_ru END, "
          "description_en = CASE WHEN description_en = '' THEN ?6 ELSE description_en END, "
          "description_ua = CASE WHEN description_ua = '' THEN ?7 ELSE description_ua END, "
          "description_ru = CASE WHEN description_ru = '' THEN ?8 ELSE description_ru END, "
          "image_url = CASE WHEN image_url = '' THEN ?9 ELSE image_url END, "
          "image_path = CASE WHEN ?10 != '' THEN ?10 ELSE image_path END, "
          "updated_at = ?11 WHERE id = ?1");
      up.bind(1, id).bind(2, trim(m.title.en)).bind(3, trim(m.title.local));
      up.bind(4, trim(m.title.ua)).bind(5, trim(m.title.ru)).bind(6, m.description.en);
      up.bind(7, m.description.ua).bind(8, m.description.ru).bind(9, m.image_url);
      up.bind(10, m.image_path).bind(11, epoch(now));
      up.run();
      return id;
    }
    auto ins = c.prepare(
        "INSERT INTO movies (city_id, title_key, title_en, title_local, title_ua, title_ru, "
        "description_en, description_ua, description_ru, image_url, image_path, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
    ins.bind(1, city_id).bind(2, key).bind(3, trim(m.title.en)).bind(4, trim(m.title.local));
    ins.bind(5, trim(m.title.ua)).bind(6, trim(m.title.ru)).bind(7, m.description.en);
    ins.bind(8, m.description.ua).bind(9, m.description.ru).bind(10, m.image_url);
    ins.bind(11, m.image_path).bind(12, epoch(now));
    ins.run();
    ++stats.movies_added;
    return c.last_insert_id();
  }

  ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<ShowtimeRepository> make_showtime_repository(ConnectionPool& pool) {
  return std::make_unique<SqliteShowtimeRepository>(pool);
}

}  // namespace cinestream::sqlite
