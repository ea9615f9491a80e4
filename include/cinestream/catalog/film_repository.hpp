#pragma once
// The catalogue's films (table/collection `films`, migrations of module "catalog").
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cinestream/catalog/film.hpp"
#include "cinestream/catalog/metadata_provider.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream::catalog {

struct FilmQuery {
  std::string genre;  // exact genre name, case-insensitive; empty: any
  int year = 0;       // 0: any
  std::string text;   // search key (film_search_key) contained in a title; empty: any
  std::optional<std::vector<std::int64_t>> ids;  // only these films (e.g. playing in a city)
  std::size_t offset = 0;
  std::size_t limit = 20;
};

struct FilmPage {
  std::vector<Film> films;
  std::size_t total = 0;  // matching films in all pages
};

class FilmRepository {
 public:
  virtual ~FilmRepository() = default;

  // Inserts the film unless its id exists; returns whether it did. Atomic on both backends (the
  // id is the primary key / _id), so two processes creating the same film make one.
  virtual bool create(const Film& film) = 0;
  virtual std::optional<Film> find(std::int64_t id) = 0;
  // Every film not merged into another: what the linker matches names against.
  virtual std::vector<Film> all_current() = 0;
  // Films not merged away, ordered by English (else original) title and then id: a stable order,
  // so pages neither repeat nor skip a film while nothing changes.
  virtual FilmPage list(const FilmQuery& query) = 0;
  // Marks `from` merged into `into` (both must exist); false when `from` does not.
  virtual bool mark_merged(std::int64_t from, std::int64_t into, SysSeconds now) = 0;
  // Fills fields the film lacks from `known` (never blanks one): scrapes and enrichment add.
  virtual void complete(std::int64_t id, const Film& known, SysSeconds now) = 0;

  // Films not merged away that are due for a metadata lookup at `now`: never looked up, or
  // waiting for a retry whose time has come; the longest waiting first, then by id; at most
  // `limit`.
  virtual std::vector<Film> due_for_enrichment(SysSeconds now, std::size_t limit) = 0;
  // Records a lookup's outcome `state` on the film and, when `found`, its metadata
  // (apply_metadata: non-empty fields win, nothing is blanked; the poster changes with its
  // downloaded copy `poster_path`). False when no film has the id. Atomic on both backends
  // (SQLite: one transaction; MongoDB: compare-and-set on the film's revision).
  virtual bool record_enrichment(std::int64_t id, const FilmMetadata* found,
                                 const std::string& poster_path, const FilmEnrichment& state,
                                 SysSeconds now) = 0;
};

}  // namespace cinestream::catalog
