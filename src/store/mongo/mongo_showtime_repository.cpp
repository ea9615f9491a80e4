// Movies, cinemas and showtimes on MongoDB: one document per movie with its cinemas and
// showtimes (collection `movies`), the city's cinemas in `theaters`. No transactions: a movie is
// changed by a compare-and-set on its `rev` field that sets or pushes only the changed paths,
// and retried on a conflict.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cinestream/text/normalize.hpp"
#include "store/mongo/mongo_common.hpp"
#include "store/store_keys.hpp"

namespace cinestream::mongo {
namespace {

using store_keys::canonical_format;
using store_keys::movie_key;
using store_keys::trim;

constexpr int kMaxConflictRetries = 16;

struct TheaterRow {
  bson_oid_t id;
  std::string name_key;
  std::string address_key;
  std::string name;
  std::string address;
  std::string website;
};

// One showtime's identity within a movie and theater.
using ShowKey = std::tuple<std::int64_t, std::string, std::string>;  // start ms, format, language

struct StoredShowtime {
  std::int64_t start_ms = 0;
  std::string format;
  std::string language;
  std::string hall;
};

struct StoredTheater {
  bson_oid_t id{};
  std::string name;
  std::string address;
  std::string website;
  std::vector<StoredShowtime> showtimes;
};

struct StoredMovie {
  bson_oid_t oid{};
  std::int64_t rev = 0;
  Movie movie;
  std::vector<StoredTheater> theaters;
};

std::vector<StoredTheater> read_theaters(const bson_t* d) {
  std::vector<StoredTheater> out;
  for_each_doc(d, "theaters", [&](const bson_t* t) {
    StoredTheater st;
    if (auto id = oid_at(t, "theater_id")) st.id = *id;
    st.name = str_at(t, "name");
    st.address = str_at(t, "address");
    st.website = str_at(t, "website");
    for_each_doc(t, "showtimes", [&](const bson_t* s) {
      StoredShowtime sh;
      bson_iter_t it;
      if (find(s, "start_time", it) && BSON_ITER_HOLDS_DATE_TIME(&it))
        sh.start_ms = bson_iter_date_time(&it);
      sh.format = str_at(s, "format");
      sh.language = str_at(s, "language");
      sh.hall = str_at(s, "hall");
      st.showtimes.push_back(std::move(sh));
    });
    out.push_back(std::move(st));
  });
  return out;
}

StoredMovie read_movie(const bson_t* d) {
  StoredMovie m;
  if (auto id = oid_at(d, "_id")) m.oid = *id;
  m.rev = int_at(d, "rev");
  m.movie.id = int_at(d, "movie_id");
  m.movie.film_id = int_at(d, "film_id");
  m.movie.city_id = str_at(d, "city_id");
  m.movie.title = {str_at(d, "title.en"), str_at(d, "title.local"), str_at(d, "title.ua"),
                   str_at(d, "title.ru")};
  m.movie.description = {str_at(d, "description.en"), str_at(d, "description.ua"),
                         str_at(d, "description.ru")};
  m.movie.image_url = str_at(d, "image_url");
  m.movie.image_path = str_at(d, "image_path");
  m.movie.created_at = date_at(d, "created_at").value_or(SysSeconds{});
  m.movie.updated_at = date_at(d, "updated_at").value_or(SysSeconds{});
  m.theaters = read_theaters(d);
  return m;
}

void append_showtime(Doc& arr, const StoredShowtime& s) {
  Doc d;
  bson_append_date_time(d.get(), "start_time", -1, s.start_ms);
  d.str("format", s.format).str("language", s.language).str("hall", s.hall);
  arr.push(d);
}

void build_theater(Doc& d, const StoredTheater& t) {
  Doc shows;
  for (const auto& s : t.showtimes)
    append_showtime(shows, s);
  d.oid("theater_id", t.id).str("name", t.name).str("address", t.address);
  d.str("website", t.website).array("showtimes", shows);
}

// A stable numeric id for the API (posters, calendar links): FNV-1a of the city and title key,
// kept positive and non-zero. A unique index on movie_id turns a collision into an error.
std::int64_t movie_id_for(std::string_view city_id, std::string_view key) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(city_id);
  mix(std::string_view("\0", 1));
  mix(key);
  return static_cast<std::int64_t>(h & 0x3fffffffffffffffULL) + 1;
}

class MongoShowtimeRepository final : public ShowtimeRepository {
 public:
  explicit MongoShowtimeRepository(ClientPool& pool) : pool_(pool) {}

  std::vector<Movie> movies_between(std::string_view city_id, SysSeconds from,
                                    SysSeconds to) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("city_id", city_id);
      append_showtime_range(filter, &from, &to);
      std::vector<Movie> out;
      std::int64_t lo = to_millis(from);
      std::int64_t hi = to_millis(to);
      find(c, "movies", filter, Doc(), [&](const bson_t* d) {
        StoredMovie m = read_movie(d);
        // Theaters by name then id, showtimes by start, format, language: as the embedded store.
        std::sort(m.theaters.begin(), m.theaters.end(), [](const auto& a, const auto& b) {
          if (a.name != b.name) return a.name < b.name;
          return bson_oid_compare(&a.id, &b.id) < 0;
        });
        for (auto& t : m.theaters) {
          Theater out_t{t.name, t.address, t.website, {}};
          std::sort(t.showtimes.begin(), t.showtimes.end(), [](const auto& a, const auto& b) {
            return std::tie(a.start_ms, a.format, a.language) <
                   std::tie(b.start_ms, b.format, b.language);
          });
          for (const auto& s : t.showtimes) {
            if (s.start_ms < lo || s.start_ms >= hi) continue;
            out_t.showtimes.push_back(
                Showtime{from_millis(s.start_ms), s.format, s.language, s.hall});
          }
          if (!out_t.showtimes.empty()) m.movie.theaters.push_back(std::move(out_t));
        }
        if (!m.movie.theaters.empty()) out.push_back(std::move(m.movie));
      });
      std::sort(out.begin(), out.end(), [](const Movie& a, const Movie& b) {
        return movie_key(a.title) < movie_key(b.title);
      });
      return out;
    });
  }

  MergeStats merge_movies(std::string_view city_id, const std::vector<Movie>& movies,
                          SysSeconds now) override {
    return merge(city_id, {}, movies, now);
  }

  MergeStats merge_movies_fenced(std::string_view city_id, std::string_view owner,
                                 const std::vector<Movie>& movies, SysSeconds now) override {
    if (owner.empty()) throw LockLost("a fenced merge needs an owner");
    return merge(city_id, owner, movies, now);
  }

  MergeStats merge(std::string_view city_id, std::string_view owner,
                   const std::vector<Movie>& movies, SysSeconds now) {
    return pool_.with([&](Conn& c) {
      if (!state_of(c, city_id)) throw std::invalid_argument("unknown city");
      if (!owner.empty()) require_holder(c, city_id, owner);
      MergeStats stats;
      auto changed = [&] {
        return stats.movies_added || stats.theaters_added || stats.showtimes_added;
      };
      auto known = load_theaters(c, city_id);
      // No transaction: each movie document is written whole by one update (so a reader sees a
      // movie before or after, never half), and the merge is a sequence of them. Re-running it
      // converges: every write is computed from what is stored (upsert by key, only missing
      // showtimes pushed). data_version is bumped after the last write; if the merge stops
      // half-way it is bumped on the way out, and releasing or expiring the lock bumps it again,
      // so a page cached from a half-applied merge is dropped even if this process died.
      try {
        for (const auto& movie : movies) {
          std::string key = movie_key(movie.title);
          if (key.empty()) continue;
          if (!owner.empty()) require_holder(c, city_id, owner);
          // Resolve the cinemas first (city-wide, like the embedded store's theaters table).
          std::vector<std::pair<std::size_t, const Theater*>> input;
          for (const auto& theater : movie.theaters)
            input.emplace_back(find_or_add_theater(c, city_id, theater, known, stats), &theater);
          merge_one_movie(c, city_id, key, movie, input, known, now, stats);
        }
      } catch (...) {
        if (changed()) {
          try {
            bump_version(c, city_id);
          } catch (...) {
            // The store is gone: the lock's release or expiry bumps the version later.
          }
        }
        throw;
      }
      if (changed()) bump_version(c, city_id);
      return stats;
    });
  }

  std::size_t prune_before(std::string_view city_id, SysSeconds cutoff) override {
    return pool_.with([&](Conn& c) {
      std::size_t removed = 0;
      bool changed = false;
      std::int64_t cut = to_millis(cutoff);
      Doc filter;
      filter.str("city_id", city_id);
      // Every movie of the city: those with past showtimes lose them, and any left without a
      // showtime is deleted (as in the embedded store).
      std::vector<StoredMovie> docs;
      find(c, "movies", filter, Doc(), [&](const bson_t* d) { docs.push_back(read_movie(d)); });
      for (auto& m : docs) {
        for (int attempt = 0;; ++attempt) {
          if (attempt >= kMaxConflictRetries) throw StoreUnavailable("mongodb prune: contention");
          Doc set;
          std::size_t left = 0;
          std::size_t gone = 0;
          for (std::size_t i = 0; i < m.theaters.size(); ++i) {
            auto& shows = m.theaters[i].showtimes;
            auto before = shows.size();
            std::erase_if(shows, [&](const StoredShowtime& s) { return s.start_ms < cut; });
            left += shows.size();
            if (shows.size() != before) {
              gone += before - shows.size();
              Doc arr;
              for (const auto& s : shows)
                append_showtime(arr, s);
              set.array(fmt::format("theaters.{}.showtimes", i), arr);
            }
          }
          Doc cas;
          cas.oid("_id", m.oid).i64("rev", m.rev);
          bool done = false;
          if (left == 0) {
            done = delete_one(c, "movies", cas) == 1;
          } else if (gone == 0) {
            break;
          } else {
            Doc update;
            update.doc("$set", set).doc("$inc", Doc().i64("rev", 1));
            done = update_one(c, "movies", cas, update, false).matched == 1;
          }
          if (done) {
            removed += gone;
            changed = true;
            break;
          }
          // Changed meanwhile by another process: read it again and redo.
          auto fresh = find_movie(c, Doc().oid("_id", m.oid));
          if (!fresh) break;  // deleted meanwhile
          m = std::move(*fresh);
        }
      }
      if (changed) bump_version(c, city_id);
      return removed;
    });
  }

  std::vector<Theater> theaters(std::string_view city_id) override {
    return pool_.with([&](Conn& c) {
      std::vector<Theater> out;
      for (auto& row : load_theaters(c, city_id))
        out.push_back(Theater{row.name, row.address, row.website, {}});
      return out;
    });
  }

 private:
  std::optional<StoredMovie> find_movie(Conn& c, const Doc& filter) {
    std::optional<StoredMovie> m;
    find(c, "movies", filter, Doc(), [&](const bson_t* d) { m = read_movie(d); });
    return m;
  }

  // Restricts a movie query to movies with a showtime in [from, to) (either bound optional).
  static void append_showtime_range(Doc& filter, const SysSeconds* from, const SysSeconds* to) {
    Doc range;
    if (from) range.date("$gte", *from);
    if (to) range.date("$lt", *to);
    Doc elem;
    elem.doc("start_time", range);
    Doc match;
    match.doc("$elemMatch", elem);
    filter.doc("theaters.showtimes", match);
  }

  std::vector<TheaterRow> load_theaters(Conn& c, std::string_view city_id) {
    std::vector<TheaterRow> rows;
    Doc sort;
    sort.i32("_id", 1);
    find(c, "theaters", Doc().str("city_id", city_id), sort, [&](const bson_t* d) {
      TheaterRow r{};
      if (auto id = oid_at(d, "_id")) r.id = *id;
      r.name_key = str_at(d, "name_key");
      r.address_key = str_at(d, "address_key");
      r.name = str_at(d, "name");
      r.address = str_at(d, "address");
      r.website = str_at(d, "website");
      rows.push_back(std::move(r));
    });
    return rows;
  }

  // The city's cinema for `t`: matched by normalised name and, when both sides know it, address
  // (filling in a missing address or website), else added. Returns its index in `known`.
  std::size_t find_or_add_theater(Conn& c, std::string_view city_id, const Theater& t,
                                  std::vector<TheaterRow>& known, MergeStats& stats) {
    std::string name_key = normalize_key(t.name);
    std::string address_key = normalize_key(t.address);
    for (std::size_t i = 0; i < known.size(); ++i) {
      auto& row = known[i];
      if (row.name_key != name_key) continue;
      if (row.address_key != address_key && !row.address_key.empty() && !address_key.empty())
        continue;
      if (row.address_key.empty() && !address_key.empty()) {
        Doc filter;
        filter.oid("_id", row.id).str("address_key", "");
        Doc update;
        update.doc("$set", Doc().str("address", trim(t.address)).str("address_key", address_key));
        try {
          if (update_one(c, "theaters", filter, update, false).matched == 1) {
            row.address = trim(t.address);
            row.address_key = address_key;
          }
        } catch (const DuplicateKey&) {
          // that name and address exist already as another row: keep this one as it is
        }
      }
      if (!t.website.empty() && row.website.empty()) {
        Doc filter;
        filter.oid("_id", row.id).str("website", "");
        Doc update;
        update.doc("$set", Doc().str("website", trim(t.website)));
        if (update_one(c, "theaters", filter, update, false).matched == 1)
          row.website = trim(t.website);
      }
      return i;
    }
    Doc filter;
    filter.str("city_id", city_id).str("name_key", name_key).str("address_key", address_key);
    Doc on_insert;
    on_insert.str("name", trim(t.name))
        .str("address", trim(t.address))
        .str("website", trim(t.website));
    Doc update;
    update.doc("$setOnInsert", on_insert);
    UpdateResult r;
    try {
      r = update_one(c, "theaters", filter, update, true);
    } catch (const DuplicateKey&) {
      r = update_one(c, "theaters", filter, update, true);  // inserted concurrently: now matches
    }
    TheaterRow row{};
    row.name_key = name_key;
    row.address_key = address_key;
    row.name = trim(t.name);
    row.address = trim(t.address);
    row.website = trim(t.website);
    if (r.upserted && r.upserted_id) {
      row.id = *r.upserted_id;
      ++stats.theaters_added;
    } else {
      // Added by another process since we loaded the list: use its row.
      bool found = false;
      find(c, "theaters", filter, Doc(), [&](const bson_t* d) {
        if (auto id = oid_at(d, "_id")) {
          row.id = *id;
          row.name = str_at(d, "name");
          row.address = str_at(d, "address");
          row.website = str_at(d, "website");
          found = true;
        }
      });
      if (!found) throw StoreUnavailable("mongodb merge: theater vanished while merging");
    }
    known.push_back(std::move(row));
    return known.size() - 1;
  }

  // Merges one scraped movie: inserts it, or adds only the missing showtimes, cinemas and fields
  // with a compare-and-set on `rev`.
  void merge_one_movie(Conn& c, std::string_view city_id, const std::string& key,
                       const Movie& movie,
                       const std::vector<std::pair<std::size_t, const Theater*>>& input,
                       const std::vector<TheaterRow>& known, SysSeconds now, MergeStats& total) {
    for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
      MergeStats stats;
      Doc filter;
      filter.str("city_id", city_id).str("title_key", key);
      auto stored = find_movie(c, filter);
      std::vector<StoredTheater> theaters =
          stored ? stored->theaters : std::vector<StoredTheater>{};
      const std::size_t stored_count = theaters.size();
      std::vector<std::size_t> grown;  // stored theaters that got new showtimes
      for (const auto& [row_index, t] : input) {
        const TheaterRow& row = known[row_index];
        auto it = std::find_if(theaters.begin(), theaters.end(), [&](const StoredTheater& s) {
          return bson_oid_equal(&s.id, &row.id);
        });
        if (it == theaters.end()) {
          theaters.push_back(StoredTheater{row.id, row.name, row.address, row.website, {}});
          it = std::prev(theaters.end());
        }
        auto index = static_cast<std::size_t>(it - theaters.begin());
        std::set<ShowKey> seen;
        for (const auto& s : it->showtimes)
          seen.emplace(s.start_ms, s.format, s.language);
        for (const auto& s : t->showtimes) {
          StoredShowtime sh{to_millis(s.start), canonical_format(s.format), trim(s.language),
                            trim(s.hall)};
          if (!seen.emplace(sh.start_ms, sh.format, sh.language).second) {
            ++stats.showtimes_duplicate;
            continue;
          }
          it->showtimes.push_back(std::move(sh));
          ++stats.showtimes_added;
          if (index < stored_count && std::find(grown.begin(), grown.end(), index) == grown.end())
            grown.push_back(index);
        }
      }

      if (!stored) {
        Doc doc;
        doc.i64("movie_id", movie_id_for(city_id, key))
            .i64("film_id", 0)
            .str("city_id", city_id)
            .str("title_key", key)
            .doc("title", Doc()
                              .str("en", trim(movie.title.en))
                              .str("local", trim(movie.title.local))
                              .str("ua", trim(movie.title.ua))
                              .str("ru", trim(movie.title.ru)))
            .doc("description", Doc()
                                    .str("en", movie.description.en)
                                    .str("ua", movie.description.ua)
                                    .str("ru", movie.description.ru))
            .str("image_url", movie.image_url)
            .str("image_path", movie.image_path);
        Doc arr;
        for (const auto& t : theaters) {
          Doc td;
          build_theater(td, t);
          arr.push(td);
        }
        doc.array("theaters", arr).date("created_at", now).date("updated_at", now).i64("rev", 1);
        try {
          insert_one(c, "movies", doc);
        } catch (const DuplicateKey&) {
          continue;  // inserted by another process meanwhile: merge into theirs
        }
        stats.movies_added = 1;
        add(total, stats);
        return;
      }

      // Fields the stored movie lacks; a known field is never blanked or replaced.
      Doc set;
      const Movie& old = stored->movie;
      auto fill = [&](const char* path, const std::string& have, const std::string& offered) {
        if (have.empty() && !offered.empty()) set.str(path, offered);
      };
      fill("title.en", old.title.en, trim(movie.title.en));
      fill("title.local", old.title.local, trim(movie.title.local));
      fill("title.ua", old.title.ua, trim(movie.title.ua));
      fill("title.ru", old.title.ru, trim(movie.title.ru));
      fill("description.en", old.description.en, movie.description.en);
      fill("description.ua", old.description.ua, movie.description.ua);
      fill("description.ru", old.description.ru, movie.description.ru);
      fill("image_url", old.image_url, movie.image_url);
      if (!movie.image_path.empty() && movie.image_path != old.image_path)
        set.str("image_path", movie.image_path);
      Doc push;
      for (std::size_t i : grown) {
        Doc each;
        std::size_t from = stored->theaters[i].showtimes.size();
        for (std::size_t k = from; k < theaters[i].showtimes.size(); ++k)
          append_showtime(each, theaters[i].showtimes[k]);
        push.doc(fmt::format("theaters.{}.showtimes", i), Doc().array("$each", each));
      }
      for (std::size_t i = stored_count; i < theaters.size(); ++i) {
        Doc td;
        build_theater(td, theaters[i]);
        set.doc(fmt::format("theaters.{}", i), td);  // appends: i is the array's length
      }
      if (set.empty() && push.empty()) {
        add(total, stats);  // only duplicates: nothing to write
        return;
      }
      set.date("updated_at", now);
      Doc update;
      update.doc("$set", set).doc("$inc", Doc().i64("rev", 1));
      if (!push.empty()) update.doc("$push", push);
      Doc cas;
      cas.oid("_id", stored->oid).i64("rev", stored->rev);
      if (update_one(c, "movies", cas, update, false).matched == 1) {
        add(total, stats);
        return;
      }
      // Another process changed or pruned this movie since we read it: read again and redo.
    }
    throw StoreUnavailable("mongodb merge: too many concurrent changes to one movie");
  }

  static void add(MergeStats& total, const MergeStats& s) {
    total.movies_added += s.movies_added;
    total.theaters_added += s.theaters_added;
    total.showtimes_added += s.showtimes_added;
    total.showtimes_duplicate += s.showtimes_duplicate;
  }

  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<ShowtimeRepository> make_showtime_repository(ClientPool& pool) {
  return std::make_unique<MongoShowtimeRepository>(pool);
}

}  // namespace cinestream::mongo
