#pragma once
// Names learned by scrapes: a spelling an answer used for a city's cinema or movie ("Кінотеатр
// «Оскар» Гуллівер" for "Oskar Gulliver"), once the resolver or the model placed it, so the next
// scrape and every other process match it at once, without similarity or a question.
#include <string>
#include <string_view>
#include <vector>

#include "cinestream/domain/local_time.hpp"
#include "cinestream/store/errors.hpp"

namespace cinestream {

struct NameAlias {
  std::string kind;   // "cinema" or "movie"
  std::string alias;  // the spelling as answered (cleaned)
  std::string name;   // the cinema's name / the movie's English title it stands for
};

class NameAliasRepository {
 public:
  virtual ~NameAliasRepository() = default;

  // Records that `alias` names `name` in the city. One alias per (city, kind, normalised
  // spelling): learning it again for another name replaces the old one (the latest placement
  // wins). Returns whether anything changed. Atomic on both backends (SQLite: one upsert;
  // MongoDB: one upsert on a unique index).
  virtual bool learn_alias(std::string_view city_id, std::string_view kind, std::string_view alias,
                           std::string_view name, SysSeconds now) = 0;
  // The city's aliases of one kind, in the order learned.
  virtual std::vector<NameAlias> aliases(std::string_view city_id, std::string_view kind) = 0;
};

}  // namespace cinestream
