// Films on SQLite: table `films`. Genres are kept as "|Drama|Comedy|" so one exact genre is a
// substring test.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iterator>
#include <string>
#include <vector>

#include "catalog/film_fields.hpp"
#include "catalog/sqlite/sqlite_catalog.hpp"

namespace cinestream::catalog::sqlite_backend {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr sqlite::Migration kMigrations[] = {
    {1, "films: the canonical film catalogue",
     [](Connection& c) {
       c.exec(R"sql(
CREATE TABLE IF NOT EXISTS films (
  id INTEGER PRIMARY KEY,
  title_original TEXT NOT NULL DEFAULT '', title_en TEXT NOT NULL DEFAULT '',
  title_uk TEXT NOT NULL DEFAULT '', title_ru TEXT NOT NULL DEFAULT '',
  year INTEGER NOT NULL DEFAULT 0, runtime_minutes INTEGER NOT NULL DEFAULT 0,
  genres TEXT NOT NULL DEFAULT '|',
  overview_en TEXT NOT NULL DEFAULT '', overview_uk TEXT NOT NULL DEFAULT '',
  overview_ru TEXT NOT NULL DEFAULT '',
  poster_url TEXT NOT NULL DEFAULT '', poster_path TEXT NOT NULL DEFAULT '',
  age_rating TEXT NOT NULL DEFAULT '', tmdb_id INTEGER NOT NULL DEFAULT 0,
  imdb_id TEXT NOT NULL DEFAULT '', merged_into INTEGER NOT NULL DEFAULT 0,
  sort_key TEXT NOT NULL DEFAULT '', search_key TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS films_in_order ON films (merged_into, sort_key, id);
)sql");
     }},
    {2, "films: metadata enrichment state",
     [](Connection& c) {
       c.exec(R"sql(
ALTER TABLE films ADD COLUMN enrich_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE films ADD COLUMN enrich_source TEXT NOT NULL DEFAULT '';
ALTER TABLE films ADD COLUMN enriched_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE films ADD COLUMN enrich_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE films ADD COLUMN enrich_next_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS films_enrich_due ON films (enrich_status, enrich_next_at, id);
)sql");
     }},
};

constexpr const char* kColumns =
    "SELECT id, title_original, title_en, title_uk, title_ru, year, runtime_minutes, genres, "
    "overview_en, overview_uk, overview_ru, poster_url, poster_path, age_rating, tmdb_id, "
    "imdb_id, merged_into, created_at, updated_at, enrich_status, enrich_source, enriched_at, "
    "enrich_attempts, enrich_next_at FROM films ";

std::string genres_column(const std::vector<std::string>& genres) {
  std::string out = "|";
  for (const auto& g : genres) {
    out += g;
    out += '|';
  }
  return out;
}

std::vector<std::string> parse_genres(const std::string& column) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start < column.size()) {
    auto end = column.find('|', start);
    if (end == std::string::npos) break;
    if (end > start) out.push_back(column.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Film read_film(const Statement& st) {
  Film f;
  f.id = st.integer(0);
  f.title = {st.text(1), st.text(2), st.text(3), st.text(4)};
  f.year = static_cast<int>(st.integer(5));
  f.runtime_minutes = static_cast<int>(st.integer(6));
  f.genres = parse_genres(st.text(7));
  f.overview = {st.text(8), st.text(9), st.text(10)};
  f.poster_url = st.text(11);
  f.poster_path = st.text(12);
  f.age_rating = st.text(13);
  f.tmdb_id = st.integer(14);
  f.imdb_id = st.text(15);
  f.merged_into = st.integer(16);
  f.created_at = SysSeconds{std::chrono::seconds{st.integer(17)}};
  f.updated_at = SysSeconds{std::chrono::seconds{st.integer(18)}};
  f.enrichment.status = enrich_status_of(st.text(19));
  f.enrichment.source = st.text(20);
  f.enrichment.enriched_at = SysSeconds{std::chrono::seconds{st.integer(21)}};
  f.enrichment.attempts = static_cast<int>(st.integer(22));
  f.enrichment.next_attempt_at = SysSeconds{std::chrono::seconds{st.integer(23)}};
  return f;
}

std::int64_t epoch(SysSeconds t) {
  return t.time_since_epoch().count();
}

// Binds every stored field of `f` as ?1..?26 (id first, then the columns in table order).
void bind_film(Statement& st, const Film& f) {
  st.bind(1, f.id)
      .bind(2, f.title.original)
      .bind(3, f.title.en)
      .bind(4, f.title.uk)
      .bind(5, f.title.ru)
      .bind(6, static_cast<std::int64_t>(f.year))
      .bind(7, static_cast<std::int64_t>(f.runtime_minutes))
      .bind(8, genres_column(f.genres))
      .bind(9, f.overview.en)
      .bind(10, f.overview.ua)
      .bind(11, f.overview.ru)
      .bind(12, f.poster_url)
      .bind(13, f.poster_path)
      .bind(14, f.age_rating)
      .bind(15, f.tmdb_id)
      .bind(16, f.imdb_id)
      .bind(17, f.merged_into)
      .bind(18, sort_key(f))
      .bind(19, search_key(f))
      .bind(20, epoch(f.created_at))
      .bind(21, epoch(f.updated_at))
      .bind(22, std::string(to_string(f.enrichment.status)))
      .bind(23, f.enrichment.source)
      .bind(24, epoch(f.enrichment.enriched_at))
      .bind(25, static_cast<std::int64_t>(f.enrichment.attempts))
      .bind(26, epoch(f.enrichment.next_attempt_at));
}

constexpr const char* kUpdateAll =
    "UPDATE films SET title_original = ?2, title_en = ?3, title_uk = ?4, title_ru = ?5, "
    "year = ?6, runtime_minutes = ?7, genres = ?8, overview_en = ?9, overview_uk = ?10, "
    "overview_ru = ?11, poster_url = ?12, poster_path = ?13, age_rating = ?14, "
    "tmdb_id = ?15, imdb_id = ?16, merged_into = ?17, sort_key = ?18, search_key = ?19, "
    "created_at = ?20, updated_at = ?21, enrich_status = ?22, enrich_source = ?23, "
    "enriched_at = ?24, enrich_attempts = ?25, enrich_next_at = ?26 WHERE id = ?1";

class SqliteFilmRepository final : public FilmRepository {
 public:
  explicit SqliteFilmRepository(sqlite::ConnectionPool& pool) : pool_(pool) {}

  bool create(const Film& film) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          "INSERT INTO films (id, title_original, title_en, title_uk, title_ru, year, "
          "runtime_minutes, genres, overview_en, overview_uk, overview_ru, poster_url, "
          "poster_path, age_rating, tmdb_id, imdb_id, merged_into, sort_key, search_key, "
          "created_at, updated_at, enrich_status, enrich_source, enriched_at, enrich_attempts, "
          "enrich_next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
          "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26) "
          "ON CONFLICT (id) DO NOTHING");
      bind_film(st, film);
      st.run();
      return c.changes() > 0;
    });
  }

  std::optional<Film> find(std::int64_t id) override {
    return pool_.with([&](Connection& c) -> std::optional<Film> {
      auto st = c.prepare(fmt::format("{}WHERE id = ?1", kColumns));
      st.bind(1, id);
      if (!st.step()) return std::nullopt;
      return read_film(st);
    });
  }

  std::vector<Film> all_current() override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(fmt::format("{}WHERE merged_into = 0 ORDER BY id", kColumns));
      std::vector<Film> out;
      while (st.step())
        out.push_back(read_film(st));
      return out;
    });
  }

  FilmPage list(const FilmQuery& q) override {
    return pool_.with([&](Connection& c) {
      std::string where = "WHERE merged_into = 0";
      if (!q.genre.empty()) where += " AND instr(lower(genres), '|' || lower(?1) || '|') > 0";
      if (q.year != 0) where += " AND year = ?2";
      if (!q.text.empty()) where += " AND instr(search_key, ?3) > 0";
      if (q.ids) {
        where += " AND id IN (SELECT value FROM json_each(?4))";
      }
      auto bind = [&](Statement& st) {
        if (!q.genre.empty()) st.bind(1, q.genre);
        if (q.year != 0) st.bind(2, static_cast<std::int64_t>(q.year));
        if (!q.text.empty()) st.bind(3, q.text);
        if (q.ids) st.bind(4, fmt::format("[{}]", fmt::join(*q.ids, ",")));
      };
      FilmPage page;
      {
        auto count = c.prepare(fmt::format("SELECT count(*) FROM films {}", where));
        bind(count);
        if (count.step()) page.total = static_cast<std::size_t>(count.integer(0));
      }
      auto st =
          c.prepare(fmt::format("{}{} ORDER BY sort_key, id LIMIT ?5 OFFSET ?6", kColumns, where));
      bind(st);
      st.bind(5, static_cast<std::int64_t>(q.limit)).bind(6, static_cast<std::int64_t>(q.offset));
      while (st.step())
        page.films.push_back(read_film(st));
      return page;
    });
  }

  bool mark_merged(std::int64_t from, std::int64_t into, SysSeconds now) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare("UPDATE films SET merged_into = ?2, updated_at = ?3 WHERE id = ?1");
      st.bind(1, from).bind(2, into).bind(3, epoch(now));
      st.run();
      return c.changes() > 0;
    });
  }

  void complete(std::int64_t id, const Film& known, SysSeconds now) override {
    update_film(id, [&](Film& stored) { return complete_film(stored, known, now); });
  }

  std::vector<Film> due_for_enrichment(SysSeconds now, std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare(
          fmt::format("{}WHERE enrich_status IN ('pending', 'retry') AND enrich_next_at <= ?1 AND "
                      "merged_into = 0 ORDER BY enrich_next_at, id LIMIT ?2",
                      kColumns));
      st.bind(1, epoch(now)).bind(2, static_cast<std::int64_t>(limit));
      std::vector<Film> out;
      while (st.step())
        out.push_back(read_film(st));
      return out;
    });
  }

  bool record_enrichment(std::int64_t id, const FilmMetadata* found, const std::string& poster_path,
                         const FilmEnrichment& state, SysSeconds now) override {
    return update_film(
        id, [&](Film& stored) { return record_outcome(stored, found, poster_path, state, now); });
  }

 private:
  // Reads the film, lets `change` edit it (false: nothing to write) and writes it back, in one
  // transaction. False when no film has the id.
  template <class Change>
  bool update_film(std::int64_t id, Change change) {
    return pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      std::optional<Film> stored;
      {
        auto st = c.prepare(fmt::format("{}WHERE id = ?1", kColumns));
        st.bind(1, id);
        if (st.step()) stored = read_film(st);
      }
      if (!stored) return false;
      if (!change(*stored)) return true;
      auto st = c.prepare(kUpdateAll);
      bind_film(st, *stored);
      st.run();
      tx.commit();
      return true;
    });
  }

  sqlite::ConnectionPool& pool_;
};

}  // namespace

std::span<const sqlite::Migration> migrations() {
  return kMigrations;
}

std::unique_ptr<FilmRepository> make_film_repository(sqlite::ConnectionPool& pool) {
  return std::make_unique<SqliteFilmRepository>(pool);
}

}  // namespace cinestream::catalog::sqlite_backend
