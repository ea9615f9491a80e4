// Validation of the model's answers (agent/answers, agent/name_matching) on arbitrary JSON, read
// the way the scraper reads it (extract_json first). Invariants: every row is either kept or
// counted as dropped; kept text is clean (no control characters, trimmed, within its limit, valid
// UTF-8); URLs are http(s); a kept showtime names a known cinema, falls on an asked day and starts
// inside that local day of the city's zone; a known name is always found again.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cinestream/agent/answers.hpp"
#include "cinestream/domain/local_time.hpp"
#include "cinestream/gemini/json_extract.hpp"
#include "cinestream/text/name_matching.hpp"
#include "cinestream/text/normalize.hpp"
#include "fuzz_check.hpp"

namespace {
namespace agent = cinestream::agent;
namespace json = boost::json;
using cinestream::fuzz::check_clean;
using cinestream::fuzz::valid_utf8;

const std::vector<std::string> kCinemas = {"Multiplex Gulliver", "Планета Кіно (Блокбастер)",
                                           "Kinopalace", "IMAX Ocean Plaza", "Oscar"};
const std::vector<std::string> kMovies = {"Dune: Part Two", "Дюна: Частина друга", "Inside Out 2",
                                          "Тіні забутих предків", "Oppenheimer (IMAX)"};
// Zones of bundled cities with different DST rules (none, northern, southern, half-hour).
const std::vector<std::string> kZones = {"Europe/Kyiv",  "America/New_York", "Australia/Sydney",
                                         "Asia/Kolkata", "Pacific/Auckland", "Europe/London"};

void check_url(const std::string& u) {
  if (u.empty()) return;
  FUZZ_CHECK(u.starts_with("http://") || u.starts_with("https://"));
  FUZZ_CHECK(u.find('@') == std::string::npos || u.find('@') > u.find('/', 8));  // no userinfo
}

std::size_t row_count(const json::value& v) {
  if (v.is_array()) return v.as_array().size();
  if (v.is_object()) {
    for (const auto& [k, inner] : v.as_object()) {
      if (inner.is_array()) return inner.as_array().size();
    }
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  auto asked = cinestream::fuzz::asked_days(in, kZones);
  auto text = in.ConsumeRemainingBytesAsString();

  // Free text through clean_text, at every limit an answer uses.
  for (std::size_t max : {20u, 40u, 200u}) {
    auto cleaned = agent::clean_text(text, max);
    FUZZ_CHECK(cleaned.size() <= max);
    if (valid_utf8(text)) check_clean(cleaned, max);
  }

  auto extracted = cinestream::gemini::extract_json(text);
  if (!extracted) return 0;
  const auto& v = extracted->value;

  agent::DropCounts drops;
  auto cinemas = agent::parse_cinemas(v, drops);
  FUZZ_CHECK(cinemas.size() + static_cast<std::size_t>(drops.total()) == row_count(v));
  for (const auto& c : cinemas) {
    FUZZ_CHECK(!c.name.empty());
    check_clean(c.name, 200);
    check_clean(c.address, 300);
    check_url(c.website);
    FUZZ_CHECK(agent::clean_url(c.website) == c.website);
  }

  drops = {};
  auto movies = agent::parse_movies(v, drops);
  FUZZ_CHECK(movies.size() + static_cast<std::size_t>(drops.total()) == row_count(v));
  for (const auto& m : movies) {
    FUZZ_CHECK(!m.title.in(cinestream::Lang::en).empty());
    for (const auto* t : {&m.title.en, &m.title.local, &m.title.ua, &m.title.ru})
      check_clean(*t, 200);
    for (const auto* d : {&m.description.en, &m.description.ua, &m.description.ru})
      check_clean(*d, 1000);
    FUZZ_CHECK(agent::clean_url(m.image_url) == m.image_url);
  }

  // Names from the answer itself join the known lists, as the scraper's later steps do.
  std::vector<std::string> cinema_names = kCinemas, movie_names = kMovies;
  for (const auto& c : cinemas)
    cinema_names.push_back(c.name);
  for (const auto& m : movies)
    movie_names.push_back(m.title.en);
  cinestream::text::NameIndex cinema_index(false), movie_index(true);
  for (std::size_t i = 0; i < cinema_names.size(); ++i)
    cinema_index.add(i, cinema_names[i]);
  for (std::size_t i = 0; i < movie_names.size(); ++i)
    movie_index.add(i, movie_names[i]);
  for (const auto& name : cinema_names) {
    if (!cinestream::text::cinema_keys(name).empty())
      // Its own spelling is found, unless another entry shares it (ambiguous, never guessed).
      FUZZ_CHECK(cinema_index.resolve(name).how != cinestream::text::Resolution::How::none);
    auto key = cinestream::normalize_key(name);
    FUZZ_CHECK(cinestream::normalize_key(key) == key);
  }
  for (const auto& name : movie_names) {
    if (!cinestream::text::movie_keys(name).empty())
      FUZZ_CHECK(movie_index.resolve(name).how != cinestream::text::Resolution::How::none);
  }

  drops = {};
  auto rows = agent::parse_showtimes(v, cinema_index, movie_index, asked.days, asked.zone, drops);
  FUZZ_CHECK(rows.size() + static_cast<std::size_t>(drops.total()) == row_count(v));
  for (const auto& r : rows) {
    FUZZ_CHECK(r.cinema < cinema_names.size());
    if (r.movie) FUZZ_CHECK(*r.movie < movie_names.size());
    cinestream::fuzz::check_row(r, asked);
  }
  return 0;
}
