// The library on SQLite: library_ratings, library_marks and the per-film aggregate film_ratings,
// changed together in one transaction.
#include <string>

#include "library/sqlite/sqlite_library.hpp"

namespace cinestream::library::sqlite_backend {
namespace {

using sqlite::Connection;

constexpr sqlite::Migration kMigrations[] = {
    {1, "library: ratings, marks (watchlist, seen, hidden) and rating aggregates",
     [](Connection& c) {
       c.exec(R"sql(
CREATE TABLE IF NOT EXISTS library_ratings (
  user_id TEXT NOT NULL, film_id INTEGER NOT NULL,
  half_stars INTEGER NOT NULL CHECK (half_stars BETWEEN 1 AND 10), rated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, film_id)
);
CREATE INDEX IF NOT EXISTS library_ratings_by_film ON library_ratings (film_id);
CREATE TABLE IF NOT EXISTS library_marks (
  user_id TEXT NOT NULL, film_id INTEGER NOT NULL, kind TEXT NOT NULL,
  watched_on TEXT NOT NULL DEFAULT '', marked_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, film_id, kind)
);
CREATE TABLE IF NOT EXISTS film_ratings (
  film_id INTEGER PRIMARY KEY, half_star_sum INTEGER NOT NULL, count INTEGER NOT NULL
);
)sql");
     }},
    {2, "library: implicit interactions (kept 180 days)",
     [](Connection& c) {
       c.exec(R"sql(
CREATE TABLE IF NOT EXISTS library_interactions (
  user_id TEXT NOT NULL, kind TEXT NOT NULL, film_id INTEGER NOT NULL,
  detail TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS library_interactions_by_user ON library_interactions (user_id, at);
CREATE INDEX IF NOT EXISTS library_interactions_by_time ON library_interactions (at);
)sql");
     }},
    {3, "library: watchlists by film (notifications)",
     [](Connection& c) {
       c.exec(
           "CREATE INDEX IF NOT EXISTS library_marks_by_film ON library_marks "
           "(film_id, kind, user_id)");
     }},
};

std::int64_t epoch(SysSeconds t) {
  return t.time_since_epoch().count();
}
SysSeconds from_epoch(std::int64_t s) {
  return SysSeconds{std::chrono::seconds{s}};
}

MarkKind kind_of(const std::string& s) {
  if (s == "seen") return MarkKind::seen;
  if (s == "hidden") return MarkKind::hidden;
  return MarkKind::watchlist;
}

std::optional<int> stored_rating(Connection& c, std::string_view user_id, std::int64_t film_id) {
  auto st = c.prepare("SELECT half_stars FROM library_ratings WHERE user_id = ?1 AND film_id = ?2");
  st.bind(1, user_id).bind(2, film_id);
  if (!st.step()) return std::nullopt;
  return static_cast<int>(st.integer(0));
}

void add_to_aggregate(Connection& c, std::int64_t film_id, std::int64_t sum, std::int64_t count) {
  auto st = c.prepare(
      "INSERT INTO film_ratings (film_id, half_star_sum, count) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (film_id) DO UPDATE SET half_star_sum = half_star_sum + ?2, "
      "count = count + ?3");
  st.bind(1, film_id).bind(2, sum).bind(3, count);
  st.run();
}

class SqliteLibraryRepository final : public LibraryRepository {
 public:
  explicit SqliteLibraryRepository(sqlite::ConnectionPool& pool) : pool_(pool) {}

  bool rate(std::string_view user_id, std::int64_t film_id, int half_stars,
            SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      auto old = stored_rating(c, user_id, film_id);
      if (old == half_stars) return false;
      auto st = c.prepare(
          "INSERT INTO library_ratings (user_id, film_id, half_stars, rated_at) "
          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, film_id) DO UPDATE SET "
          "half_stars = ?3, rated_at = ?4");
      st.bind(1, user_id).bind(2, film_id).bind(3, std::int64_t{half_stars}).bind(4, epoch(now));
      st.run();
      add_to_aggregate(c, film_id, half_stars - old.value_or(0), old ? 0 : 1);
      tx.commit();
      return true;
    });
  }

  bool unrate(std::string_view user_id, std::int64_t film_id) override {
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      auto old = stored_rating(c, user_id, film_id);
      if (!old) return false;
      auto st = c.prepare("DELETE FROM library_ratings WHERE user_id = ?1 AND film_id = ?2");
      st.bind(1, user_id).bind(2, film_id);
      st.run();
      add_to_aggregate(c, film_id, -*old, -1);
      tx.commit();
      return true;
    });
  }

  bool mark(std::string_view user_id, std::int64_t film_id, MarkKind kind,
            std::string_view watched_on, SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      bool existed = false;
      {
        auto st = c.prepare(
            "SELECT 1 FROM library_marks WHERE user_id = ?1 AND film_id = ?2 AND kind = ?3");
        st.bind(1, user_id).bind(2, film_id).bind(3, to_string(kind));
        existed = st.step();
      }
      auto st = c.prepare(
          "INSERT INTO library_marks (user_id, film_id, kind, watched_on, marked_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, film_id, kind) DO UPDATE SET "
          "watched_on = ?4");
      st.bind(1, user_id)
          .bind(2, film_id)
          .bind(3, to_string(kind))
          .bind(4, watched_on)
          .bind(5, epoch(now));
      st.run();
      tx.commit();
      return !existed;
    });
  }

  bool unmark(std::string_view user_id, std::int64_t film_id, MarkKind kind) override {
    return pool_.with([&](Connection& c) {
      auto st =
          c.prepare("DELETE FROM library_marks WHERE user_id = ?1 AND film_id = ?2 AND kind = ?3");
      st.bind(1, user_id).bind(2, film_id).bind(3, to_string(kind));
      st.run();
      return c.changes() > 0;
    });
  }

  Library library(std::string_view user_id) override {
    return pool_.with([&](Connection& c) {
      Library lib;
      {
        auto st = c.prepare(
            "SELECT film_id, half_stars, rated_at FROM library_ratings WHERE user_id = ?1 "
            "ORDER BY rated_at DESC, film_id");
        st.bind(1, user_id);
        while (st.step())
          lib.ratings.push_back(
              Rating{st.integer(0), static_cast<int>(st.integer(1)), from_epoch(st.integer(2))});
      }
      auto st = c.prepare(
          "SELECT film_id, kind, watched_on, marked_at FROM library_marks WHERE user_id = ?1 "
          "ORDER BY marked_at DESC, film_id, kind");
      st.bind(1, user_id);
      while (st.step())
        lib.marks.push_back(
            Mark{st.integer(0), kind_of(st.text(1)), st.text(2), from_epoch(st.integer(3))});
      return lib;
    });
  }

  std::vector<Watcher> watchers(std::int64_t film_id, SysSeconds before,
                                std::string_view after_user, std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "SELECT user_id, marked_at FROM library_marks WHERE film_id = ?1 AND kind = ?2 "
          "AND user_id > ?3 AND marked_at <= ?4 ORDER BY user_id LIMIT ?5");
      st.bind(1, film_id)
          .bind(2, to_string(MarkKind::watchlist))
          .bind(3, after_user)
          .bind(4, epoch(before))
          .bind(5, static_cast<std::int64_t>(limit));
      std::vector<Watcher> out;
      while (st.step())
        out.push_back(Watcher{st.text(0), from_epoch(st.integer(1))});
      return out;
    });
  }

  RatingSummary summary(std::int64_t film_id) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare("SELECT half_star_sum, count FROM film_ratings WHERE film_id = ?1");
      st.bind(1, film_id);
      if (!st.step()) return RatingSummary{};
      return RatingSummary{st.integer(0), st.integer(1)};
    });
  }

  std::vector<UserRating> ratings_after(std::string_view user_id, std::int64_t film_id,
                                        std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      // A row-value comparison walks the primary key (user_id, film_id) from the cursor on.
      auto st = c.prepare(
          "SELECT user_id, film_id, half_stars FROM library_ratings "
          "WHERE (user_id, film_id) > (?1, ?2) ORDER BY user_id, film_id LIMIT ?3");
      st.bind(1, user_id).bind(2, film_id).bind(3, static_cast<std::int64_t>(limit));
      std::vector<UserRating> out;
      while (st.step())
        out.push_back(UserRating{st.text(0), st.integer(1), static_cast<int>(st.integer(2))});
      return out;
    });
  }

  void recount(std::int64_t film_id) override {
    pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      auto st = c.prepare(
          "INSERT OR REPLACE INTO film_ratings (film_id, half_star_sum, count) "
          "SELECT ?1, coalesce(sum(half_stars), 0), count(*) FROM library_ratings "
          "WHERE film_id = ?1");
      st.bind(1, film_id);
      st.run();
      tx.commit();
    });
  }

  void erase_user(std::string_view user_id) override {
    pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      {
        auto st = c.prepare(
            "UPDATE film_ratings SET half_star_sum = half_star_sum - r.half_stars, "
            "count = count - 1 FROM (SELECT film_id, half_stars FROM library_ratings "
            "WHERE user_id = ?1) AS r WHERE film_ratings.film_id = r.film_id");
        st.bind(1, user_id);
        st.run();
      }
      for (const char* sql : {"DELETE FROM library_ratings WHERE user_id = ?1",
                              "DELETE FROM library_marks WHERE user_id = ?1"}) {
        auto st = c.prepare(sql);
        st.bind(1, user_id);
        st.run();
      }
      tx.commit();
    });
  }

 private:
  sqlite::ConnectionPool& pool_;
};

}  // namespace

std::span<const sqlite::Migration> migrations() {
  return kMigrations;
}

std::unique_ptr<LibraryRepository> make_library_repository(sqlite::ConnectionPool& pool) {
  return std::make_unique<SqliteLibraryRepository>(pool);
}

std::int64_t epoch_of(SysSeconds t) {
  return epoch(t);
}
SysSeconds time_of(std::int64_t s) {
  return from_epoch(s);
}

}  // namespace cinestream::library::sqlite_backend
