// Films on MongoDB: collection `films`, the film id in `film_id` (unique index). Creating is one
// upsert with $setOnInsert (atomic under that index); completing is a compare-and-set on `rev`,
// retried on a conflict.
#include <string>
#include <vector>

#include "catalog/film_fields.hpp"
#include "catalog/mongo/mongo_catalog.hpp"

namespace cinestream::catalog::mongo_backend {
namespace {

using mongo::ClientPool;
using mongo::Conn;
using mongo::Doc;

constexpr int kMaxConflictRetries = 16;

// The film's `enrichment` subdocument, added to `d`.
Doc& add_enrichment(Doc& d, const FilmEnrichment& e) {
  return d.doc("enrichment", Doc()
                                 .str("status", to_string(e.status))
                                 .str("source", e.source)
                                 .date("at", e.enriched_at)
                                 .i64("attempts", e.attempts)
                                 .date("next_at", e.next_attempt_at));
}

const mongo::Migration kMigrations[] = {
    {1, "films: the canonical film catalogue",
     [](Conn& c) {
       Doc list;
       mongo::index(list, "film_id_unique", Doc().i32("film_id", 1), true);
       mongo::index(list, "in_order",
                    Doc().i32("merged_into", 1).i32("sort_key", 1).i32("film_id", 1));
       mongo::index(list, "genre_keys", Doc().i32("genre_keys", 1));
       mongo::index(list, "tmdb_id", Doc().i32("tmdb_id", 1));
       mongo::create_indexes(c, "films", list);
     }},
    {2, "films: metadata enrichment state",
     [](Conn& c) {
       // Films made before it are due for a lookup; idempotent (only those without the state).
       Doc fields;
       add_enrichment(fields, FilmEnrichment{});
       Doc update;
       update.doc("$set", fields);
       mongo::update_many(c, "films", Doc().doc("enrichment", Doc().boolean("$exists", false)),
                          update);
       Doc list;
       mongo::index(
           list, "enrich_due",
           Doc().i32("enrichment.status", 1).i32("enrichment.next_at", 1).i32("film_id", 1));
       mongo::create_indexes(c, "films", list);
     }},
};

std::vector<std::string> strings_at(const bson_t* d, const char* path) {
  std::vector<std::string> out;
  bson_iter_t it;
  if (!mongo::find(d, path, it) || !BSON_ITER_HOLDS_ARRAY(&it)) return out;
  bson_iter_t child;
  if (!bson_iter_recurse(&it, &child)) return out;
  while (bson_iter_next(&child))
    if (BSON_ITER_HOLDS_UTF8(&child)) out.push_back(mongo::str_of(child));
  return out;
}

std::string lower_ascii(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

Film read_film(const bson_t* d) {
  using mongo::int_at;
  using mongo::str_at;
  Film f;
  f.id = int_at(d, "film_id");
  f.title = {str_at(d, "title.original"), str_at(d, "title.en"), str_at(d, "title.uk"),
             str_at(d, "title.ru")};
  f.year = static_cast<int>(int_at(d, "year"));
  f.runtime_minutes = static_cast<int>(int_at(d, "runtime_minutes"));
  f.genres = strings_at(d, "genres");
  f.overview = {str_at(d, "overview.en"), str_at(d, "overview.uk"), str_at(d, "overview.ru")};
  f.poster_url = str_at(d, "poster_url");
  f.poster_path = str_at(d, "poster_path");
  f.age_rating = str_at(d, "age_rating");
  f.tmdb_id = int_at(d, "tmdb_id");
  f.imdb_id = str_at(d, "imdb_id");
  f.merged_into = int_at(d, "merged_into");
  f.created_at = mongo::date_at(d, "created_at").value_or(SysSeconds{});
  f.updated_at = mongo::date_at(d, "updated_at").value_or(SysSeconds{});
  f.enrichment.status = enrich_status_of(str_at(d, "enrichment.status"));
  f.enrichment.source = str_at(d, "enrichment.source");
  f.enrichment.enriched_at = mongo::date_at(d, "enrichment.at").value_or(SysSeconds{});
  f.enrichment.attempts = static_cast<int>(int_at(d, "enrichment.attempts"));
  f.enrichment.next_attempt_at = mongo::date_at(d, "enrichment.next_at").value_or(SysSeconds{});
  return f;
}

// Every field but _id and rev.
void fill_fields(Doc& d, const Film& f) {
  Doc genres, keys;
  for (const auto& g : f.genres) {
    genres.push_str(g);
    keys.push_str(lower_ascii(g));
  }
  d.doc("title", Doc()
                     .str("original", f.title.original)
                     .str("en", f.title.en)
                     .str("uk", f.title.uk)
                     .str("ru", f.title.ru))
      .i64("year", f.year)
      .i64("runtime_minutes", f.runtime_minutes)
      .array("genres", genres)
      .array("genre_keys", keys)
      .doc("overview",
           Doc().str("en", f.overview.en).str("uk", f.overview.ua).str("ru", f.overview.ru))
      .str("poster_url", f.poster_url)
      .str("poster_path", f.poster_path)
      .str("age_rating", f.age_rating)
      .i64("tmdb_id", f.tmdb_id)
      .str("imdb_id", f.imdb_id)
      .i64("merged_into", f.merged_into)
      .str("sort_key", sort_key(f))
      .str("search_key", search_key(f))
      .date("created_at", f.created_at)
      .date("updated_at", f.updated_at);
  add_enrichment(d, f.enrichment);
}

// A regular expression matching `text` literally.
std::string escape_regex(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

class MongoFilmRepository final : public FilmRepository {
 public:
  explicit MongoFilmRepository(ClientPool& pool) : pool_(pool) {}

  bool create(const Film& film) override {
    return pool_.with([&](Conn& c) {
      Doc fields;
      fill_fields(fields, film);
      fields.i64("film_id", film.id).i64("rev", 1);
      Doc update;
      update.doc("$setOnInsert", fields);
      return mongo::update_one(c, "films", Doc().i64("film_id", film.id), update, true).upserted;
    });
  }

  std::optional<Film> find(std::int64_t id) override {
    return pool_.with([&](Conn& c) {
      std::optional<Film> out;
      mongo::find(c, "films", Doc().i64("film_id", id), Doc(),
                  [&](const bson_t* d) { out = read_film(d); });
      return out;
    });
  }

  std::vector<Film> all_current() override {
    return pool_.with([&](Conn& c) {
      std::vector<Film> out;
      mongo::find(c, "films", Doc().i64("merged_into", 0), Doc().i32("film_id", 1),
                  [&](const bson_t* d) { out.push_back(read_film(d)); });
      return out;
    });
  }

  FilmPage list(const FilmQuery& q) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.i64("merged_into", 0);
      if (!q.genre.empty()) filter.str("genre_keys", lower_ascii(q.genre));
      if (q.year != 0) filter.i64("year", q.year);
      if (!q.text.empty()) filter.doc("search_key", Doc().str("$regex", escape_regex(q.text)));
      if (q.ids) {
        Doc in;
        for (std::size_t i = 0; i < q.ids->size(); ++i)
          in.i64(std::to_string(i), (*q.ids)[i]);
        filter.doc("film_id", Doc().array("$in", in));
      }
      FilmPage page;
      page.total = static_cast<std::size_t>(mongo::count_documents(c, "films", filter));
      Doc sort;
      sort.i32("sort_key", 1).i32("film_id", 1);
      mongo::find_page(c, "films", filter, sort, static_cast<std::int64_t>(q.offset),
                       static_cast<std::int64_t>(q.limit),
                       [&](const bson_t* d) { page.films.push_back(read_film(d)); });
      return page;
    });
  }

  bool mark_merged(std::int64_t from, std::int64_t into, SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().i64("merged_into", into).date("updated_at", now))
          .doc("$inc", Doc().i64("rev", 1));
      return mongo::update_one(c, "films", Doc().i64("film_id", from), update, false).matched > 0;
    });
  }

  void complete(std::int64_t id, const Film& known, SysSeconds now) override {
    update_film(id, [&](Film& stored) { return complete_film(stored, known, now); });
  }

  std::vector<Film> due_for_enrichment(SysSeconds now, std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      Doc statuses;
      statuses.push_str("pending").push_str("retry");
      Doc filter;
      filter.doc("enrichment.status", Doc().array("$in", statuses))
          .doc("enrichment.next_at", Doc().date("$lte", now))
          .i64("merged_into", 0);
      Doc sort;
      sort.i32("enrichment.next_at", 1).i32("film_id", 1);
      std::vector<Film> out;
      mongo::find_page(c, "films", filter, sort, 0, static_cast<std::int64_t>(limit),
                       [&](const bson_t* d) { out.push_back(read_film(d)); });
      return out;
    });
  }

  bool record_enrichment(std::int64_t id, const FilmMetadata* found, const std::string& poster_path,
                         const FilmEnrichment& state, SysSeconds now) override {
    return update_film(
        id, [&](Film& stored) { return record_outcome(stored, found, poster_path, state, now); });
  }

 private:
  // Reads the film, lets `change` edit it (false: nothing to write) and writes it back if no one
  // changed it meanwhile (compare-and-set on `rev`), retrying on a conflict. False when no film
  // has the id.
  template <class Change>
  bool update_film(std::int64_t id, Change change) {
    return pool_.with([&](Conn& c) {
      for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
        std::optional<Film> stored;
        std::int64_t rev = 0;
        mongo::find(c, "films", Doc().i64("film_id", id), Doc(), [&](const bson_t* d) {
          stored = read_film(d);
          rev = mongo::int_at(d, "rev");
        });
        if (!stored) return false;
        if (!change(*stored)) return true;
        Doc fields;
        fill_fields(fields, *stored);
        Doc update;
        update.doc("$set", fields).doc("$inc", Doc().i64("rev", 1));
        if (mongo::update_one(c, "films", Doc().i64("film_id", id).i64("rev", rev), update, false)
                .matched > 0)
          return true;
      }
      throw StoreUnavailable("films: too many concurrent changes of one film");
    });
  }

  ClientPool& pool_;
};

}  // namespace

std::span<const mongo::Migration> migrations() {
  return kMigrations;
}

std::unique_ptr<FilmRepository> make_film_repository(ClientPool& pool) {
  return std::make_unique<MongoFilmRepository>(pool);
}

}  // namespace cinestream::catalog::mongo_backend
