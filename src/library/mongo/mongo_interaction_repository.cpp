// Implicit interactions on MongoDB: collection library_interactions (library migration 2), a
// batch per insertMany; `at` is a BSON date so the TTL index can expire it.
#include <memory>
#include <string>
#include <vector>

#include "library/mongo/mongo_library.hpp"

namespace cinestream::library::mongo_backend {
namespace {

using mongo::ClientPool;
using mongo::Conn;
using mongo::Doc;

class MongoInteractionRepository final : public InteractionRepository {
 public:
  explicit MongoInteractionRepository(ClientPool& pool) : pool_(pool) {}

  void append(std::span<const Interaction> batch) override {
    if (batch.empty()) return;
    // Doc can neither be copied nor moved: keep each in its own allocation.
    std::vector<std::unique_ptr<Doc>> docs;
    docs.reserve(batch.size());
    for (const auto& i : batch) {
      auto d = std::make_unique<Doc>();
      d->str("user_id", i.user_id)
          .str("kind", to_string(i.kind))
          .i64("film_id", i.film_id)
          .str("detail", i.detail)
          .date("at", i.at);
      docs.push_back(std::move(d));
    }
    pool_.with([&](Conn& c) { mongo::insert_many(c, "library_interactions", docs); });
  }

  std::vector<Interaction> of_user(std::string_view user_id, std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      std::vector<Interaction> out;
      mongo::find_page(c, "library_interactions", Doc().str("user_id", user_id),
                       Doc().i32("at", -1).i32("_id", -1), 0, static_cast<std::int64_t>(limit),
                       [&](const bson_t* d) {
                         Interaction i;
                         i.user_id = std::string(user_id);
                         if (!parse_activity_kind(mongo::str_at(d, "kind"), i.kind)) return;
                         i.film_id = mongo::int_at(d, "film_id");
                         i.detail = mongo::str_at(d, "detail");
                         i.at = mongo::date_at(d, "at").value_or(SysSeconds{});
                         out.push_back(std::move(i));
                       });
      return out;
    });
  }

  std::vector<Interaction> recent(SysSeconds from, std::size_t limit) override {
    return pool_.with([&](Conn& c) {
      std::vector<Interaction> out;
      Doc filter;
      filter.doc("at", Doc().date("$gte", from)).doc("film_id", Doc().i64("$ne", 0));
      mongo::find_page(c, "library_interactions", filter, Doc().i32("at", -1).i32("_id", -1), 0,
                       static_cast<std::int64_t>(limit), [&](const bson_t* d) {
                         Interaction i;
                         i.user_id = mongo::str_at(d, "user_id");
                         if (!parse_activity_kind(mongo::str_at(d, "kind"), i.kind)) return;
                         i.film_id = mongo::int_at(d, "film_id");
                         i.detail = mongo::str_at(d, "detail");
                         i.at = mongo::date_at(d, "at").value_or(SysSeconds{});
                         out.push_back(std::move(i));
                       });
      return out;
    });
  }

  std::int64_t prune(SysSeconds cutoff) override {
    return pool_.with([&](Conn& c) {
      return mongo::delete_many(c, "library_interactions",
                                Doc().doc("at", Doc().date("$lt", cutoff)));
    });
  }

  void erase_user(std::string_view user_id) override {
    pool_.with([&](Conn& c) {
      mongo::delete_many(c, "library_interactions", Doc().str("user_id", user_id));
    });
  }

 private:
  ClientPool& pool_;
};

}  // namespace

std::unique_ptr<InteractionRepository> make_interaction_repository(ClientPool& pool) {
  return std::make_unique<MongoInteractionRepository>(pool);
}

}  // namespace cinestream::library::mongo_backend
