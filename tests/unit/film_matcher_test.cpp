// Which catalogue film a city movie is (catalog/film_matcher.hpp): the same film under the
// spellings answers use is found; a different film with a near title never is (a wrong link puts
// one film's ratings and showtimes under another; a miss only makes a film an admin can merge).
#include <gtest/gtest.h>

#include "cinestream/catalog/film_matcher.hpp"

namespace cinestream::catalog {
namespace {

FilmMatcher matcher_of(const std::vector<Film>& films) {
  FilmMatcher m;
  for (const auto& f : films)
    m.add_film(f);
  return m;
}

Film film(std::int64_t id, std::string en, std::string uk = {}, std::string ru = {}) {
  Film f;
  f.id = id;
  f.title.en = std::move(en);
  f.title.uk = std::move(uk);
  f.title.ru = std::move(ru);
  return f;
}

const std::vector<Film> kFilms = {
    film(1, "Dune: Part Two", "Дюна: Частина друга", "Дюна: Часть вторая"),
    film(2, "Dune", "Дюна", "Дюна"),
    film(3, "Compass and Mirror", "Компас і дзеркало", "Компас и зеркало"),
    film(4, "Paddington in Peru", "Паддінгтон у Перу", "Паддингтон в Перу"),
    film(5, "Oppenheimer", "Оппенгеймер", "Оппенгеймер"),
};

TEST(FilmMatcher, FindsTheSameFilmUnderOtherSpellingsAndScripts) {
  auto m = matcher_of(kFilms);
  EXPECT_EQ(m.match({"Dune - Part Two", "", "", ""}), 1);
  EXPECT_EQ(m.match({"DUNE: PART TWO", "", "", ""}), 1);
  EXPECT_EQ(m.match({"", "Дюна: Частина друга", "Дюна: Частина друга", ""}), 1);
  EXPECT_EQ(m.match({"", "", "", "Дюна: Часть вторая"}), 1);
  EXPECT_EQ(m.match({"Paddington in Peru!", "", "", ""}), 4);
  EXPECT_EQ(m.match({"", "Паддінгтон у Перу", "", ""}), 4);
  // Latin transliteration of the Cyrillic title.
  EXPECT_EQ(m.match({"Oppengeimer", "", "", ""}), 5);
}

TEST(FilmMatcher, NeverTakesANearTitleForTheFilm) {
  auto m = matcher_of(kFilms);
  EXPECT_EQ(m.match({"Comet and Mirror", "Комета і дзеркало", "", ""}), std::nullopt);
  EXPECT_EQ(m.match({"Dune: Part Three", "", "", ""}), std::nullopt);
  EXPECT_EQ(m.match({"Paddington", "", "", ""}), std::nullopt);
  EXPECT_EQ(m.match({"Anora", "Анора", "", ""}), std::nullopt);
  // The same words in another order are another film.
  EXPECT_EQ(m.match({"Mirror and Compass", "", "", ""}), std::nullopt);
  // The first film is not its sequel, nor the other way round.
  EXPECT_EQ(m.match({"Dune", "", "", ""}), 2);
  EXPECT_EQ(m.match({"Dune 2", "", "", ""}), 1);
}

TEST(FilmMatcher, NamesLearnedFromLinkedCityMoviesCount) {
  auto m = matcher_of(kFilms);
  EXPECT_EQ(m.match({"Anora", "", "", ""}), std::nullopt);
  m.add_names(9, {"Anora", "Anora", "Анора", ""});
  EXPECT_EQ(m.match({"", "", "Анора", ""}), 9);
}

}  // namespace
}  // namespace cinestream::catalog
