// Film links on MongoDB: the movie document's film_id. No transactions: each link is one update
// of one movie document, and the city's data_version is bumped after them.
#include <set>
#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

Movie read_titles(const bson_t* d) {
  Movie m;
  m.id = int_at(d, "movie_id");
  m.film_id = int_at(d, "film_id");
  m.city_id = str_at(d, "city_id");
  m.title = {str_at(d, "title.en"), str_at(d, "title.local"), str_at(d, "title.ua"),
             str_at(d, "title.ru")};
  m.description = {str_at(d, "description.en"), str_at(d, "description.ua"),
                   str_at(d, "description.ru")};
  m.image_url = str_at(d, "image_url");
  m.image_path = str_at(d, "image_path");
  return m;
}

// Showtimes of a movie document starting at or after `from_ms`.
std::int64_t upcoming(const bson_t* d, std::int64_t from_ms) {
  std::int64_t n = 0;
  for_each_doc(d, "theaters", [&](const bson_t* t) {
    for_each_doc(t, "showtimes", [&](const bson_t* s) {
      bson_iter_t it;
      if (find(s, "start_time", it) && BSON_ITER_HOLDS_DATE_TIME(&it) &&
          bson_iter_date_time(&it) >= from_ms)
        ++n;
    });
  });
  return n;
}

void after(Doc& filter, SysSeconds from) {
  Doc range;
  range.date("$gte", from);
  Doc elem;
  elem.doc("start_time", range);
  Doc match;
  match.doc("$elemMatch", elem);
  filter.doc("theaters.showtimes", match);
}

class MongoFilmLinkRepository final : public FilmLinkRepository {
 public:
  explicit MongoFilmLinkRepository(ClientPool& pool) : pool_(pool) {}

  std::vector<Movie> unlinked_movies(std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      std::vector<Movie> out;
      Doc sort;
      sort.i32("created_at", 1).i32("movie_id", 1);
      find_page(c, "movies", Doc().i64("film_id", 0), sort, 0, static_cast<std::int64_t>(limit),
                [&](const bson_t* d) { out.push_back(read_titles(d)); });
      return out;
    });
  }

  std::vector<Movie> linked_titles() override {
    return pool_.with([&](Conn& c) {
      std::vector<Movie> out;
      Doc filter;
      filter.doc("film_id", Doc().i64("$gt", 0));
      Doc sort;
      sort.i32("movie_id", 1);
      find(c, "movies", filter, sort, [&](const bson_t* d) { out.push_back(read_titles(d)); });
      return out;
    });
  }

  std::size_t link(std::string_view city_id, const std::vector<FilmLink>& links) override {
    return pool_.with([&](Conn& c) {
      std::size_t changed = 0;
      for (const auto& l : links) {
        Doc filter;
        filter.i64("movie_id", l.movie_id)
            .str("city_id", city_id)
            .doc("film_id", Doc().i64("$ne", l.film_id));
        Doc update;
        update.doc("$set", Doc().i64("film_id", l.film_id)).doc("$inc", Doc().i64("rev", 1));
        if (update_one(c, "movies", filter, update, false).matched > 0) ++changed;
      }
      if (changed > 0) bump_version(c, city_id);
      return changed;
    });
  }

  std::size_t relink(std::int64_t from, std::int64_t into) override {
    return pool_.with([&](Conn& c) {
      std::set<std::string> cities;
      find(c, "movies", Doc().i64("film_id", from), Doc(),
           [&](const bson_t* d) { cities.insert(str_at(d, "city_id")); });
      Doc update;
      update.doc("$set", Doc().i64("film_id", into)).doc("$inc", Doc().i64("rev", 1));
      auto moved = update_many(c, "movies", Doc().i64("film_id", from), update);
      for (const auto& city : cities)
        bump_version(c, city);
      return static_cast<std::size_t>(moved);
    });
  }

  std::vector<FilmPlace> places(std::int64_t film_id, SysSeconds from) override {
    return pool_.with([&](Conn& c) {
      std::vector<FilmPlace> out;
      Doc sort;
      sort.i32("city_id", 1).i32("movie_id", 1);
      auto from_ms = to_millis(from);
      find(c, "movies", Doc().i64("film_id", film_id), sort, [&](const bson_t* d) {
        auto m = read_titles(d);
        out.push_back(FilmPlace{m.city_id, m.id, m.title, upcoming(d, from_ms)});
      });
      return out;
    });
  }

  std::vector<std::int64_t> films_playing(std::string_view city_id, SysSeconds from) override {
    return pool_.with([&](Conn& c) {
      std::set<std::int64_t> films;
      Doc filter;
      filter.str("city_id", city_id).doc("film_id", Doc().i64("$gt", 0));
      after(filter, from);
      find(c, "movies", filter, Doc(),
           [&](const bson_t* d) { films.insert(int_at(d, "film_id")); });
      return std::vector<std::int64_t>(films.begin(), films.end());
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<FilmLinkRepository> make_film_link_repository(ClientPool& pool) {
  return std::make_unique<MongoFilmLinkRepository>(pool);
}

}  // namespace cinestream::mongo
