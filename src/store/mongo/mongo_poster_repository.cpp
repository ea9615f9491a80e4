// Posters on MongoDB: the movie document's image_path.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/mongo/mongo_common.hpp"

namespace cinestream::mongo {
namespace {

class MongoPosterRepository final : public PosterRepository {
 public:
  explicit MongoPosterRepository(ClientPool& pool) : pool_(pool) {}

  void set_movie_poster(std::int64_t movie_id, std::string_view image_path) override {
    pool_.with([&](Conn& c) {
      Doc update;
      update.doc("$set", Doc().str("image_path", image_path)).doc("$inc", Doc().i64("rev", 1));
      if (auto doc = find_and_modify(c, "movies", Doc().i64("movie_id", movie_id), update))
        bump_version(c, str_at(doc->get(), "city_id"));
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<PosterRepository> make_poster_repository(ClientPool& pool) {
  return std::make_unique<MongoPosterRepository>(pool);
}

}  // namespace cinestream::mongo
