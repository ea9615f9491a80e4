// The library on MongoDB: collections library_ratings, library_marks (unique per user, film and
// kind) and film_ratings. No transactions: a rating changes by compare-and-set on its old value,
// and only the change that won moves the aggregate, by one $inc.
#include <string>

#include "library/mongo/mongo_library.hpp"

namespace cinestream::library::mongo_backend {
namespace {

using mongo::ClientPool;
using mongo::Conn;
using mongo::Doc;

constexpr int kMaxConflictRetries = 16;
constexpr std::int64_t kInteractionRetentionSeconds = 180LL * 24 * 3600;

const mongo::Migration kMigrations[] = {
    {1, "library: ratings, marks (watchlist, seen, hidden) and rating aggregates",
     [](Conn& c) {
       {
         Doc list;
         mongo::index(list, "user_film_unique", Doc().i32("user_id", 1).i32("film_id", 1), true);
         mongo::index(list, "film", Doc().i32("film_id", 1));
         mongo::create_indexes(c, "library_ratings", list);
       }
       {
         Doc list;
         mongo::index(list, "user_film_kind_unique",
                      Doc().i32("user_id", 1).i32("film_id", 1).i32("kind", 1), true);
         mongo::create_indexes(c, "library_marks", list);
       }
       Doc list;
       mongo::index(list, "film_unique", Doc().i32("film_id", 1), true);
       mongo::create_indexes(c, "film_ratings", list);
     }},
    {2, "library: implicit interactions (kept 180 days)",
     [](Conn& c) {
       Doc list;
       mongo::index(list, "user_at", Doc().i32("user_id", 1).i32("at", -1));
       // The server expires them too; the recorder's prune covers servers whose TTL monitor is
       // off and keeps both backends the same.
       Doc ttl;
       ttl.doc("key", Doc().i32("at", 1))
           .str("name", "at_ttl")
           .i64("expireAfterSeconds", kInteractionRetentionSeconds);
       list.push(ttl);
       mongo::create_indexes(c, "library_interactions", list);
     }},
    {3, "library: watchlists by film (notifications)",
     [](Conn& c) {
       Doc list;
       mongo::index(list, "film_kind_user",
                    Doc().i32("film_id", 1).i32("kind", 1).i32("user_id", 1));
       mongo::create_indexes(c, "library_marks", list);
     }},
};

MarkKind kind_of(const std::string& s) {
  if (s == "seen") return MarkKind::seen;
  if (s == "hidden") return MarkKind::hidden;
  return MarkKind::watchlist;
}

std::optional<int> stored_rating(Conn& c, std::string_view user_id, std::int64_t film_id) {
  std::optional<int> out;
  mongo::find(c, "library_ratings", Doc().str("user_id", user_id).i64("film_id", film_id), Doc(),
              [&](const bson_t* d) { out = static_cast<int>(mongo::int_at(d, "half_stars")); });
  return out;
}

void add_to_aggregate(Conn& c, std::int64_t film_id, std::int64_t sum, std::int64_t count) {
  Doc update;
  update.doc("$inc", Doc().i64("half_star_sum", sum).i64("count", count))
      .doc("$setOnInsert", Doc().i64("film_id", film_id));
  mongo::update_one(c, "film_ratings", Doc().i64("film_id", film_id), update, true);
}

class MongoLibraryRepository final : public LibraryRepository {
 public:
  explicit MongoLibraryRepository(ClientPool& pool) : pool_(pool) {}

  bool rate(std::string_view user_id, std::int64_t film_id, int half_stars,
            SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
        auto old = stored_rating(c, user_id, film_id);
        if (old == half_stars) return false;
        if (!old) {
          Doc doc;
          doc.str("user_id", user_id)
              .i64("film_id", film_id)
              .i64("half_stars", half_stars)
              .date("rated_at", now);
          try {
            mongo::insert_one(c, "library_ratings", doc);
          } catch (const mongo::DuplicateKey&) {
            continue;  // rated meanwhile by another request: start again from it
          }
          add_to_aggregate(c, film_id, half_stars, 1);
          return true;
        }
        Doc update;
        update.doc("$set", Doc().i64("half_stars", half_stars).date("rated_at", now));
        auto filter = Doc();
        filter.str("user_id", user_id).i64("film_id", film_id).i64("half_stars", *old);
        if (mongo::update_one(c, "library_ratings", filter, update, false).matched > 0) {
          add_to_aggregate(c, film_id, half_stars - *old, 0);
          return true;
        }
      }
      throw StoreUnavailable("library: too many concurrent changes of one rating");
    });
  }

  bool unrate(std::string_view user_id, std::int64_t film_id) override {
    return pool_.with([&](Conn& c) {
      for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
        auto old = stored_rating(c, user_id, film_id);
        if (!old) return false;
        Doc filter;
        filter.str("user_id", user_id).i64("film_id", film_id).i64("half_stars", *old);
        if (mongo::delete_one(c, "library_ratings", filter) > 0) {
          add_to_aggregate(c, film_id, -*old, -1);
          return true;
        }
      }
      throw StoreUnavailable("library: too many concurrent changes of one rating");
    });
  }

  bool mark(std::string_view user_id, std::int64_t film_id, MarkKind kind,
            std::string_view watched_on, SysSeconds now) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("user_id", user_id).i64("film_id", film_id).str("kind", to_string(kind));
      Doc update;
      update.doc("$set", Doc().str("watched_on", watched_on))
          .doc("$setOnInsert", Doc().date("marked_at", now));
      return mongo::update_one(c, "library_marks", filter, update, true).upserted;
    });
  }

  bool unmark(std::string_view user_id, std::int64_t film_id, MarkKind kind) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.str("user_id", user_id).i64("film_id", film_id).str("kind", to_string(kind));
      return mongo::delete_one(c, "library_marks", filter) > 0;
    });
  }

  Library library(std::string_view user_id) override {
    return pool_.with([&](Conn& c) {
      Library lib;
      Doc by_rating;
      by_rating.i32("rated_at", -1).i32("film_id", 1);
      mongo::find(
          c, "library_ratings", Doc().str("user_id", user_id), by_rating, [&](const bson_t* d) {
            lib.ratings.push_back(Rating{mongo::int_at(d, "film_id"),
                                         static_cast<int>(mongo::int_at(d, "half_stars")),
                                         mongo::date_at(d, "rated_at").value_or(SysSeconds{})});
          });
      Doc by_mark;
      by_mark.i32("marked_at", -1).i32("film_id", 1).i32("kind", 1);
      mongo::find(c, "library_marks", Doc().str("user_id", user_id), by_mark, [&](const bson_t* d) {
        lib.marks.push_back(Mark{mongo::int_at(d, "film_id"), kind_of(mongo::str_at(d, "kind")),
                                 mongo::str_at(d, "watched_on"),
                                 mongo::date_at(d, "marked_at").value_or(SysSeconds{})});
      });
      return lib;
    });
  }

  std::vector<Watcher> watchers(std::int64_t film_id, SysSeconds before,
                                std::string_view after_user, std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      Doc filter;
      filter.i64("film_id", film_id)
          .str("kind", to_string(MarkKind::watchlist))
          .doc("user_id", Doc().str("$gt", after_user))
          .doc("marked_at", Doc().date("$lte", before));
      std::vector<Watcher> out;
      mongo::find_page(
          c, "library_marks", filter, Doc().i32("user_id", 1), 0, static_cast<std::int64_t>(limit),
          [&](const bson_t* d) {
            out.push_back(Watcher{mongo::str_at(d, "user_id"),
                                  mongo::date_at(d, "marked_at").value_or(SysSeconds{})});
          });
      return out;
    });
  }

  RatingSummary summary(std::int64_t film_id) override {
    return pool_.with([&](Conn& c) {
      RatingSummary s;
      mongo::find(c, "film_ratings", Doc().i64("film_id", film_id), Doc(), [&](const bson_t* d) {
        s = {mongo::int_at(d, "half_star_sum"), mongo::int_at(d, "count")};
      });
      return s;
    });
  }

  std::vector<UserRating> ratings_after(std::string_view user_id, std::int64_t film_id,
                                        std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      // (user_id, film_id) > cursor, walking the unique index user_film_unique.
      Doc later_user, same_user, either;
      later_user.doc("user_id", Doc().str("$gt", user_id));
      same_user.str("user_id", user_id).doc("film_id", Doc().i64("$gt", film_id));
      either.doc("0", later_user).doc("1", same_user);
      Doc filter;
      filter.array("$or", either);
      std::vector<UserRating> out;
      mongo::find_page(
          c, "library_ratings", filter, Doc().i32("user_id", 1).i32("film_id", 1), 0,
          static_cast<std::int64_t>(limit), [&](const bson_t* d) {
            out.push_back(UserRating{mongo::str_at(d, "user_id"), mongo::int_at(d, "film_id"),
                                     static_cast<int>(mongo::int_at(d, "half_stars"))});
          });
      return out;
    });
  }

  void recount(std::int64_t film_id) override {
    pool_.with([&](Conn& c) {
      std::int64_t sum = 0, count = 0;
      mongo::find(c, "library_ratings", Doc().i64("film_id", film_id), Doc(), [&](const bson_t* d) {
        sum += mongo::int_at(d, "half_stars");
        ++count;
      });
      Doc update;
      update.doc("$set", Doc().i64("half_star_sum", sum).i64("count", count));
      mongo::update_one(c, "film_ratings", Doc().i64("film_id", film_id), update, true);
    });
  }

  void erase_user(std::string_view user_id) override {
    pool_.with([&](Conn& c) {
      std::vector<std::pair<std::int64_t, int>> ratings;
      mongo::find(c, "library_ratings", Doc().str("user_id", user_id), Doc(), [&](const bson_t* d) {
        ratings.emplace_back(mongo::int_at(d, "film_id"),
                             static_cast<int>(mongo::int_at(d, "half_stars")));
      });
      // One rating at a time, each out of its aggregate only if this call deleted it.
      for (const auto& [film_id, half_stars] : ratings) {
        Doc filter;
        filter.str("user_id", user_id).i64("film_id", film_id);
        if (mongo::delete_one(c, "library_ratings", filter) > 0)
          add_to_aggregate(c, film_id, -half_stars, -1);
      }
      mongo::delete_many(c, "library_marks", Doc().str("user_id", user_id));
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::span<const mongo::Migration> migrations() {
  return kMigrations;
}

std::unique_ptr<LibraryRepository> make_library_repository(ClientPool& pool) {
  return std::make_unique<MongoLibraryRepository>(pool);
}

}  // namespace cinestream::library::mongo_backend
