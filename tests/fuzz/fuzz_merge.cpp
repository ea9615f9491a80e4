// The store's merge (ShowtimeRepository::merge_movies on SQLite) on a temporary database, with
// movie lists built from the input over small vocabularies so that spellings collide the way
// answers do. Invariants (docs/data-model.md): every showtime is counted once as added or
// duplicate; after the merge no two movies share a title key and no showtime appears twice; every
// merged showtime can be read back; merging the same list again changes nothing (no movie, theater
// or showtime added, the data_version unchanged).
#include <fuzzer/FuzzedDataProvider.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cinestream/store/sqlite_store.hpp"
#include "cinestream/text/normalize.hpp"
#include "fuzz_check.hpp"

namespace {
using namespace std::chrono_literals;
using cinestream::normalize_key;

const std::vector<std::string> kTitles = {"Dune", "dune",         "DUNE!",        " Dune ",
                                          "Дюна", "Inside Out 2", "inside out 2", "Oppenheimer",
                                          "",     "!!!"};
const std::vector<std::string> kTheaters = {"Multiplex", "multiplex", "MULTIPLEX.", "Planeta Kino",
                                            "Oscar",     "",          " Oscar "};
const std::vector<std::string> kAddresses = {"", "Main St 1", "main st. 1", "Other 2", " "};
const std::vector<std::string> kFormats = {"2D", "2d", " 3D ", "IMAX", "", "4dx"};
const std::vector<std::string> kLanguages = {"", "original", "Ukrainian dubbing", " original "};

std::string pick(FuzzedDataProvider& in, const std::vector<std::string>& vocab) {
  // Mostly the vocabulary (collisions), sometimes free text.
  auto i = in.ConsumeIntegralInRange<std::size_t>(0, vocab.size());
  if (i < vocab.size()) return vocab[i];
  return in.ConsumeRandomLengthString(16);
}

std::string movie_key(const cinestream::MovieTitles& t) {
  for (const auto* s : {&t.en, &t.local, &t.ua, &t.ru}) {
    auto k = normalize_key(*s);
    if (!k.empty()) return k;
  }
  return {};
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}
std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Db {
  std::filesystem::path dir;
  std::unique_ptr<cinestream::Database> store;
  Db() {
    char tmpl[] = "/tmp/cinestream-fuzz-merge-XXXXXX";
    FUZZ_CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    store = cinestream::make_sqlite_store((dir / "store.db").string(), 1);
    store->ensure_schema();
  }
  ~Db() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const auto kBase = cinestream::SysSeconds{std::chrono::seconds{1795000000}};  // 2026-11

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Db db;
  static std::uint64_t run = 0;
  // A city of its own per input, so inputs do not see each other's data.
  cinestream::Location city;
  city.id = "c" + std::to_string(++run);
  city.name = {city.id, city.id, city.id};
  city.country = {"Ukraine", "Україна", "Украина"};
  city.country_code = "UA";
  city.tz = "Europe/Kyiv";
  db.store->locations().seed_locations({city});

  FuzzedDataProvider in(data, size);
  std::vector<cinestream::Movie> movies(in.ConsumeIntegralInRange<std::size_t>(0, 6));
  std::size_t countable = 0;  // showtimes of movies with a title key
  for (auto& m : movies) {
    m.title = {pick(in, kTitles), pick(in, kTitles), pick(in, kTitles), ""};
    m.description.en = in.ConsumeRandomLengthString(8);
    m.theaters.resize(in.ConsumeIntegralInRange<std::size_t>(0, 3));
    for (auto& t : m.theaters) {
      t.name = pick(in, kTheaters);
      t.address = pick(in, kAddresses);
      t.website = in.ConsumeBool() ? "https://example.com/" : "";
      t.showtimes.resize(in.ConsumeIntegralInRange<std::size_t>(0, 4));
      for (auto& s : t.showtimes) {
        s.start = kBase + in.ConsumeIntegralInRange<int>(0, 20) * 15min;
        s.format = pick(in, kFormats);
        s.language = pick(in, kLanguages);
        s.hall = pick(in, {"1", "2", ""});
      }
      if (!movie_key(m.title).empty()) countable += t.showtimes.size();
    }
  }

  auto now = kBase - 1h;
  auto first = db.store->showtimes().merge_movies(city.id, movies, now);
  FUZZ_CHECK(static_cast<std::size_t>(first.showtimes_added + first.showtimes_duplicate) ==
             countable);
  auto version = db.store->locations().location_state(city.id)->data_version;
  FUZZ_CHECK((version > 0) ==
             (first.movies_added + first.theaters_added + first.showtimes_added > 0));

  auto stored = db.store->showtimes().movies_between(city.id, kBase - 24h, kBase + 24h);
  // One row per movie. Not checked: that a stored movie's titles still give its key. Blanks are
  // filled from later answers of the same key, so an answer pairing two films' titles ("en":
  // "Inside Out 2", "local": "Дюна") can leave titles whose first non-empty one is another
  // film's; the row keeps matching by its original key (reported, not changed here).
  std::set<std::int64_t> ids;
  std::size_t rows = 0;
  for (const auto& m : stored) {
    FUZZ_CHECK(!movie_key(m.title).empty());
    FUZZ_CHECK(ids.insert(m.id).second);
    std::set<std::tuple<std::string, std::string, std::int64_t, std::string, std::string>> seen;
    for (const auto& t : m.theaters) {
      for (const auto& s : t.showtimes) {
        ++rows;
        auto id = std::make_tuple(normalize_key(t.name), normalize_key(t.address),
                                  static_cast<std::int64_t>(s.start.time_since_epoch().count()),
                                  s.format, s.language);
        FUZZ_CHECK(seen.insert(id).second);  // no duplicate showtime
      }
    }
  }
  FUZZ_CHECK(rows == static_cast<std::size_t>(first.showtimes_added));

  // Every merged showtime is there, under its movie and a theater of its name.
  for (const auto& m : movies) {
    auto key = movie_key(m.title);
    if (key.empty()) continue;
    // The movies that title could be stored under: one of their titles has its key.
    std::vector<const cinestream::Movie*> candidates;
    for (const auto& s : stored) {
      for (const auto* t : {&s.title.en, &s.title.local, &s.title.ua, &s.title.ru}) {
        if (normalize_key(*t) == key) {
          candidates.push_back(&s);
          break;
        }
      }
    }
    for (const auto& t : m.theaters) {
      for (const auto& s : t.showtimes) {
        FUZZ_CHECK(!candidates.empty());
        bool present = false;
        for (const auto* found : candidates) {
          for (const auto& st : found->theaters) {
            if (normalize_key(st.name) != normalize_key(t.name)) continue;
            for (const auto& x : st.showtimes) {
              present = present || (x.start == s.start && x.format == upper(trim(s.format)) &&
                                    x.language == trim(s.language));
            }
          }
        }
        FUZZ_CHECK(present);
      }
    }
  }

  // Idempotent: the same answer merged again (a retried unit) adds nothing.
  auto second = db.store->showtimes().merge_movies(city.id, movies, now + 1min);
  FUZZ_CHECK(second.movies_added == 0);
  FUZZ_CHECK(second.theaters_added == 0);
  FUZZ_CHECK(second.showtimes_added == 0);
  FUZZ_CHECK(static_cast<std::size_t>(second.showtimes_duplicate) == countable);
  FUZZ_CHECK(db.store->locations().location_state(city.id)->data_version == version);
  return 0;
}
