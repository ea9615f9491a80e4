// Implicit interactions on SQLite: table library_interactions (library migration 2), a batch per
// transaction.
#include <string>

#include "library/sqlite/sqlite_library.hpp"

namespace cinestream::library::sqlite_backend {
namespace {

using sqlite::Connection;

class SqliteInteractionRepository final : public InteractionRepository {
 public:
  explicit SqliteInteractionRepository(sqlite::ConnectionPool& pool) : pool_(pool) {}

  void append(std::span<const Interaction> batch) override {
    if (batch.empty()) return;
    pool_.with([&](Connection& c) {
      sqlite::WriteTransaction tx(c);
      for (const auto& i : batch) {
        auto st = c.prepare(
            "INSERT INTO library_interactions (user_id, kind, film_id, detail, at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        st.bind(1, i.user_id)
            .bind(2, to_string(i.kind))
            .bind(3, i.film_id)
            .bind(4, i.detail)
            .bind(5, epoch_of(i.at));
        st.run();
      }
      tx.commit();
    });
  }

  std::vector<Interaction> of_user(std::string_view user_id, std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      std::vector<Interaction> out;
      auto st = c.prepare(
          "SELECT kind, film_id, detail, at FROM library_interactions WHERE user_id = ?1 "
          "ORDER BY at DESC, rowid DESC LIMIT ?2");
      st.bind(1, user_id).bind(2, static_cast<std::int64_t>(limit));
      while (st.step()) {
        Interaction i;
        i.user_id = std::string(user_id);
        if (!parse_activity_kind(st.text(0), i.kind)) continue;  // a kind this build does not know
        i.film_id = st.integer(1);
        i.detail = st.text(2);
        i.at = time_of(st.integer(3));
        out.push_back(std::move(i));
      }
      return out;
    });
  }

  std::vector<Interaction> recent(SysSeconds from, std::size_t limit) override {
    return pool_.with([&](Connection& c) {
      std::vector<Interaction> out;
      auto st = c.prepare(
          "SELECT user_id, kind, film_id, detail, at FROM library_interactions "
          "WHERE at >= ?1 AND film_id != 0 ORDER BY at DESC, rowid DESC LIMIT ?2");
      st.bind(1, epoch_of(from)).bind(2, static_cast<std::int64_t>(limit));
      while (st.step()) {
        Interaction i;
        i.user_id = st.text(0);
        if (!parse_activity_kind(st.text(1), i.kind)) continue;
        i.film_id = st.integer(2);
        i.detail = st.text(3);
        i.at = time_of(st.integer(4));
        out.push_back(std::move(i));
      }
      return out;
    });
  }

  std::int64_t prune(SysSeconds cutoff) override {
    return pool_.with([&](Connection& c) {
      auto st = c.prepare("DELETE FROM library_interactions WHERE at < ?1");
      st.bind(1, epoch_of(cutoff));
      st.run();
      return static_cast<std::int64_t>(c.changes());
    });
  }

  void erase_user(std::string_view user_id) override {
    pool_.with([&](Connection& c) {
      auto st = c.prepare("DELETE FROM library_interactions WHERE user_id = ?1");
      st.bind(1, user_id);
      st.run();
    });
  }

 private:
  sqlite::ConnectionPool& pool_;
};

}  // namespace

std::unique_ptr<InteractionRepository> make_interaction_repository(sqlite::ConnectionPool& pool) {
  return std::make_unique<SqliteInteractionRepository>(pool);
}

}  // namespace cinestream::library::sqlite_backend
