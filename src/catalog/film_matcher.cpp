#include "cinestream/catalog/film_matcher.hpp"

#include <string>

namespace cinestream::catalog {
namespace {

// Stricter than a scrape's resolver (text::kSameNameThreshold, 0.78): that one chooses among the
// few films of one city; this one among every film, where near titles abound, and a wrong link
// files one film's ratings and showtimes under another while a miss only leaves a film for an
// admin to merge. Measured with text::NameIndex: "Comet and Mirror" / "Compass and Mirror" 0.79,
// "Комета і дзеркало" / "Компас і дзеркало" 0.80 (different films); "Oppengeimer" /
// "Oppenheimer" and "Gladiator II" / "Gladiator 2" 1.0 (the same).
constexpr double kSameFilmThreshold = 0.9;
// The similarity above compares token sets, so "Kingdom and Garden" is "Garden and Kingdom";
// for films word order matters. A similar (not exact) match must also be this close as a string.
constexpr double kSameOrderThreshold = 0.8;

// The compared words of a title in their order ("Dune: Part Two" -> "dune"; the number is
// compared apart by the similarity).
std::string core_words(std::string_view title) {
  std::string out;
  for (const auto& w : text::name_form(title, /*movie=*/true).core) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

FilmMatcher::FilmMatcher() : index_(/*movie=*/true) {}

std::size_t FilmMatcher::slot(std::int64_t film_id) {
  auto [it, added] = slots_.try_emplace(film_id, ids_.size());
  if (added) {
    ids_.push_back(film_id);
    keys_.emplace_back();
  }
  return it->second;
}

void FilmMatcher::add_name(std::int64_t film_id, std::string_view name) {
  if (name.empty()) return;
  auto at = slot(film_id);
  index_.add(at, name);
  keys_[at].push_back(core_words(name));
}

void FilmMatcher::add_film(const Film& film) {
  for (const auto* t : {&film.title.en, &film.title.original, &film.title.uk, &film.title.ru})
    add_name(film.id, *t);
}

void FilmMatcher::add_names(std::int64_t film_id, const MovieTitles& titles) {
  for (const auto* t : {&titles.en, &titles.local, &titles.ua, &titles.ru})
    add_name(film_id, *t);
}

bool FilmMatcher::same_order(std::size_t at, std::string_view title) const {
  auto mine = core_words(title);
  for (const auto& theirs : keys_[at])
    if (text::edit_similarity(mine, theirs) >= kSameOrderThreshold) return true;
  return false;
}

std::optional<std::int64_t> FilmMatcher::match(const MovieTitles& movie) const {
  if (index_.empty()) return std::nullopt;
  std::optional<std::size_t> chosen;
  bool chosen_exact = false;
  for (const auto* t : {&movie.en, &movie.local, &movie.ua, &movie.ru}) {
    if (t->empty()) continue;
    auto r = index_.resolve(*t);
    if (!r.id) continue;
    bool exact = r.how == text::Resolution::How::exact;
    if (!exact && (r.score < kSameFilmThreshold || !same_order(*r.id, *t))) continue;
    // The first title that matches wins (English first); a later exact match beats an earlier
    // similar one.
    if (!chosen || (exact && !chosen_exact)) {
      chosen = r.id;
      chosen_exact = exact;
    }
  }
  if (!chosen) return std::nullopt;
  return ids_[*chosen];
}

}  // namespace cinestream::catalog
