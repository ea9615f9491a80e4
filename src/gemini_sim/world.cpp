#include "cinestream/gemini_sim/world.hpp"
#include "cinestream/gemini_sim/sim_hash.hpp"

#include <fmt/format.h>
#include <zlib.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <tuple>

namespace cinestream::gemini_sim {
namespace {

using detail::hash_text;
using detail::splitmix;

struct Word {
  const char* en;
  const char* ua;
  const char* ru;
};

// Nominative nouns, so "A and B" reads correctly in all three languages.
constexpr std::array<Word, 24> kNouns{{
    {"River", "Ріка", "Река"},
    {"Kingdom", "Королівство", "Королевство"},
    {"Signal", "Сигнал", "Сигнал"},
    {"Horizon", "Обрій", "Горизонт"},
    {"Winter", "Зима", "Зима"},
    {"Storm", "Буря", "Буря"},
    {"Garden", "Сад", "Сад"},
    {"Lighthouse", "Маяк", "Маяк"},
    {"Voyage", "Подорож", "Путешествие"},
    {"Mirror", "Дзеркало", "Зеркало"},
    {"Comet", "Комета", "Комета"},
    {"Harbor", "Гавань", "Гавань"},
    {"Echo", "Відлуння", "Эхо"},
    {"Shadow", "Тінь", "Тень"},
    {"Fortress", "Фортеця", "Крепость"},
    {"Island", "Острів", "Остров"},
    {"Orchestra", "Оркестр", "Оркестр"},
    {"Compass", "Компас", "Компас"},
    {"Silence", "Тиша", "Тишина"},
    {"Labyrinth", "Лабіринт", "Лабиринт"},
    {"Meteor", "Метеор", "Метеор"},
    {"Desert", "Пустеля", "Пустыня"},
    {"Summit", "Вершина", "Вершина"},
    {"Ember", "Жарина", "Уголь"},
}};

constexpr std::array<const char*, 14> kBrands{
    "Multiplex", "Planeta Kino", "Oskar",     "Kinopalats", "Cinema City", "Lumiere",   "Arthouse",
    "Zhovten",   "Kronverk",     "Butterfly", "Bagatelle",  "Starlight",   "Palladium", "Odeon"};
// How real answers also write the brands and malls: Ukrainian, Russian, and an informal Latin
// spelling (name variants, fault name_variant_rate).
struct Spellings {
  const char* ua;
  const char* ru;
  const char* informal;
};
constexpr std::array<Spellings, 14> kBrandSpellings{{
    {"Мультиплекс", "Мультиплекс", "Multipleks"},
    {"Планета Кіно", "Планета Кино", "Planeta Cinema"},
    {"Оскар", "Оскар", "Oscar"},
    {"Кінопалац", "Кинопалац", "Kinopalace"},
    {"Сінема Сіті", "Синема Сити", "Sinema Siti"},
    {"Люм'єр", "Люмьер", "Lumière"},
    {"Артхаус", "Артхаус", "Art House"},
    {"Жовтень", "Жовтень", "Zhovten'"},
    {"Кронверк", "Кронверк", "Kronwerk"},
    {"Баттерфляй", "Баттерфляй", "Butterfly"},
    {"Багатель", "Багатель", "Bagatel"},
    {"Старлайт", "Старлайт", "Star Light"},
    {"Палладіум", "Палладиум", "Paladium"},
    {"Одеон", "Одеон", "Odeón"},
}};
constexpr std::array<Spellings, 12> kMallSpellings{{
    {"Лавина", "Лавина", "Lavyna"},
    {"Гуллівер", "Гулливер", "Guliver"},
    {"Оушен Плаза", "Оушен Плаза", "Ocean-Plaza"},
    {"Блокбастер", "Блокбастер", "Blokbaster"},
    {"Ретровіль", "Ретровиль", "Retrovil"},
    {"Форум", "Форум", "Forum"},
    {"Скай Мол", "Скай Молл", "SkyMall"},
    {"Рівер Мол", "Ривер Молл", "RiverMall"},
    {"Дрім Таун", "Дрим Таун", "DreamTown"},
    {"Республіка", "Республика", "Respublica"},
    {"Магеллан", "Магеллан", "Magelan"},
    {"Атмосфера", "Атмосфера", "Atmosphera"},
}};
constexpr std::array<const char*, 12> kMalls{
    "Lavina",   "Gulliver",   "Ocean Plaza", "Blockbuster", "Retroville", "Forum",
    "Sky Mall", "River Mall", "Dream Town",  "Respublika",  "Magellan",   "Atmosfera"};
constexpr std::array<const char*, 10> kStreets{
    "Shevchenka", "Franka",   "Hrushevskoho",  "Soborna", "Nezalezhnosti",
    "Svobody",    "Peremohy", "Lesi Ukrainky", "Kyivska", "Zelena"};
constexpr std::array<const char*, 4> kFormats{"2D", "3D", "IMAX", "4DX"};
constexpr std::array<int, 4> kFormatWeights{55, 20, 15, 10};

std::string slugify(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

void put_be32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    s.push_back(static_cast<char>((v >> shift) & 0xff));
}

void png_chunk(std::string& out, const char* type, const std::string& data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  std::string typed = std::string(type, 4) + data;
  out += typed;
  put_be32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(typed.data()),
                                                 static_cast<uInt>(typed.size()))));
}

}  // namespace

std::uint64_t World::mix(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) const {
  return splitmix(splitmix(splitmix(splitmix(options_.seed ^ a) ^ b) ^ c) ^ d);
}

std::string sim_language_of(const Location& city, std::size_t which) {
  static constexpr std::array<const char*, 3> kUkraine{"Ukrainian dubbing", "original",
                                                       "original with Ukrainian subtitles"};
  static constexpr std::array<const char*, 3> kElsewhere{"dubbed", "original",
                                                         "original with subtitles"};
  const auto& set = city.country_code == "UA" ? kUkraine : kElsewhere;
  return set[which % set.size()];
}

std::string sim_site_host(const Location& city, std::string_view cinema_name) {
  return fmt::format("{}-{}.localhost", slugify(cinema_name), slugify(city.id));
}

std::vector<SimCinema> World::cinemas(const Location& city) const {
  std::vector<SimCinema> out;
  auto h = mix(hash_text(city.id), 1);
  for (std::size_t i = 0; out.size() < static_cast<std::size_t>(options_.cinemas); ++i) {
    auto hi = splitmix(h + i);
    std::string brand = kBrands[hi % kBrands.size()];
    std::string mall = kMalls[(hi >> 8) % kMalls.size()];
    std::string name = brand + " " + mall;
    bool taken =
        std::any_of(out.begin(), out.end(), [&](const SimCinema& c) { return c.name == name; });
    if (taken) continue;
    auto address = fmt::format("{} {} St, {}", 1 + (hi >> 16) % 120,
                               kStreets[(hi >> 24) % kStreets.size()], city.name.en);
    auto website = options_.site_port == 0 ? fmt::format("https://{}.example", slugify(name))
                                           : fmt::format("http://{}:{}/", sim_site_host(city, name),
                                                         options_.site_port);
    out.push_back({name, address, std::move(website)});
  }
  return out;
}

std::vector<SimMovie> World::movies(const Location& city) const {
  std::vector<SimMovie> out;
  auto h = mix(hash_text(city.id), 2);
  for (std::size_t i = 0; out.size() < static_cast<std::size_t>(options_.movies); ++i) {
    auto hi = splitmix(h + i * 7919);
    const auto& a = kNouns[hi % kNouns.size()];
    const auto& b = kNouns[(hi >> 8) % kNouns.size()];
    MovieTitles t;
    switch ((hi >> 16) % 3) {
      case 0:
        t = {a.en, "", a.ua, a.ru};
        break;
      case 1:
        if (&a == &b) continue;
        t = {fmt::format("{} and {}", a.en, b.en), "", fmt::format("{} і {}", a.ua, b.ua),
             fmt::format("{} и {}", a.ru, b.ru)};
        break;
      default: {
        int n = 2 + static_cast<int>((hi >> 24) % 3);
        t = {fmt::format("{} {}", a.en, n), "", fmt::format("{} {}", a.ua, n),
             fmt::format("{} {}", a.ru, n)};
      }
    }
    t.local = city.country_code == "UA" ? t.ua : t.en;
    bool taken =
        std::any_of(out.begin(), out.end(), [&](const SimMovie& m) { return m.title.en == t.en; });
    if (taken) continue;
    SimMovie m;
    m.slug = slugify(t.en);
    m.description = {fmt::format("A film about the {}.", t.en), fmt::format("Фільм «{}».", t.ua),
                     fmt::format("Фильм «{}».", t.ru)};
    m.title = std::move(t);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> World::cinema_spellings(const Location& city, const SimCinema& c) const {
  std::vector<std::string> out{c.name};
  std::size_t b = 0, m = 0;
  for (; b < kBrands.size(); ++b) {
    if (c.name.starts_with(kBrands[b]) && c.name.size() > std::string_view(kBrands[b]).size())
      break;
  }
  auto mall = b < kBrands.size() ? c.name.substr(std::string_view(kBrands[b]).size() + 1) : "";
  for (; m < kMalls.size() && mall != kMalls[m]; ++m) {
  }
  std::string upper = c.name, lower = c.name;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (auto& ch : lower)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  out.push_back(upper);  // letter case
  out.push_back(lower);
  std::string ua = c.name, ru = c.name, informal = c.name;
  if (b < kBrands.size() && m < kMalls.size()) {  // other language, informal romanisation
    const auto &bs = kBrandSpellings[b], &ms = kMallSpellings[m];
    ua = fmt::format("{} {}", bs.ua, ms.ua);
    ru = fmt::format("{} {}", bs.ru, ms.ru);
    informal = fmt::format("{} {}", bs.informal, ms.informal);
    out.push_back(ua);
    out.push_back(ru);
    out.push_back(informal);
    out.push_back(fmt::format("{} {}", bs.ua, mall));  // mixed scripts, as sites write them
  }
  // Generic words and the city's names glued on, in all three languages.
  out.push_back(fmt::format("Кінотеатр «{}»", ua));
  out.push_back(fmt::format("Кинотеатр {}", ru));
  out.push_back(fmt::format("{} cinema", c.name));
  out.push_back(fmt::format("Kino {}", c.name));
  out.push_back(fmt::format("{} {}", c.name, city.name.en));
  out.push_back(fmt::format("{}, {}", ua, city.name.ua));
  out.push_back(fmt::format("{} ({})", ru, city.name.ru));
  out.push_back(fmt::format("{} Cinema {}", upper, city.name.en));
  return out;
}

std::vector<std::string> World::movie_spellings(const SimMovie& m) const {
  std::vector<std::string> out{m.title.en};
  std::string upper = m.title.en;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  out.push_back(upper);
  out.push_back(m.title.ua);
  out.push_back(m.title.ru);
  out.push_back(fmt::format("{} (IMAX)", m.title.en));
  out.push_back(fmt::format("{} 3D", m.title.ua));
  out.push_back(fmt::format("Фильм «{}»", m.title.ru));
  return out;
}

std::vector<SimShowtime> World::showtimes(const Location& city, const date::time_zone* zone,
                                          date::year_month_day day) const {
  std::vector<SimShowtime> out;
  auto city_h = hash_text(city.id);
  auto day_n = static_cast<std::uint64_t>(date::sys_days{day}.time_since_epoch().count());
  const auto cinemas_n = static_cast<std::size_t>(options_.cinemas);
  const auto movies_n = static_cast<std::size_t>(options_.movies);
  for (std::size_t c = 0; c < cinemas_n; ++c) {
    for (std::size_t m = 0; m < movies_n; ++m) {
      // Whether this cinema runs this movie at all does not change from day to day.
      if (mix(city_h, 3, c, m) % 100 >= 55) continue;
      auto h = mix(city_h, 4 + day_n, c, m);
      std::size_t sessions = h % 3;  // 0..2 a day
      std::vector<int> used;
      for (std::size_t s = 0; s < sessions; ++s) {
        auto hs = splitmix(h + s + 1);
        int slot = static_cast<int>(hs % 52);  // 10:00 .. 22:45 in quarter hours
        if (std::find(used.begin(), used.end(), slot) != used.end()) continue;
        used.push_back(slot);
        int weight = static_cast<int>((hs >> 8) % 100), f = 0;
        while (weight >= kFormatWeights[static_cast<std::size_t>(f)])
          weight -= kFormatWeights[static_cast<std::size_t>(f++)];
        auto local =
            date::local_days{day} + std::chrono::hours(10) + std::chrono::minutes(15 * slot);
        auto start = std::chrono::time_point_cast<std::chrono::seconds>(
            zone->to_sys(date::local_seconds{local}, date::choose::earliest));
        out.push_back({c, m, start, kFormats[static_cast<std::size_t>(f)],
                       sim_language_of(city, (hs >> 16) % 3),
                       fmt::format("Hall {}", 1 + (hs >> 24) % 8)});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const SimShowtime& a, const SimShowtime& b) {
    return std::tie(a.start, a.cinema, a.movie) < std::tie(b.start, b.cinema, b.movie);
  });
  return out;
}

boost::json::value World::truth(const Location& city, const date::time_zone* zone,
                                date::year_month_day from, int days) const {
  namespace json = boost::json;
  auto cs = cinemas(city);
  auto ms = movies(city);
  json::array rows;
  for (int d = 0; d < days; ++d) {
    date::year_month_day day{date::sys_days{from} + date::days{d}};
    for (const auto& s : showtimes(city, zone, day)) {
      rows.push_back({{"movie", ms[s.movie].title.en},
                      {"cinema", cs[s.cinema].name},
                      {"start_time", format_local_time(zone, s.start)},
                      {"format", s.format},
                      {"language", s.language},
                      {"hall", s.hall}});
    }
  }
  json::array cinema_list, movie_list;
  for (const auto& c : cs)
    cinema_list.push_back({{"name", c.name}, {"address", c.address}, {"website", c.website}});
  for (const auto& m : ms) {
    movie_list.push_back(
        {{"en", m.title.en}, {"local", m.title.local}, {"ua", m.title.ua}, {"ru", m.title.ru}});
  }
  return {{"city", city.id},
          {"from", format_iso_date(from)},
          {"days", days},
          {"cinemas", std::move(cinema_list)},
          {"movies", std::move(movie_list)},
          {"showtimes", std::move(rows)}};
}

std::string World::poster_png(std::string_view slug) const {
  constexpr std::uint32_t w = 60, h = 90;
  auto colour = mix(hash_text(slug), 5);
  std::string raw;
  for (std::uint32_t y = 0; y < h; ++y) {
    raw.push_back('\0');  // filter: none
    for (std::uint32_t x = 0; x < w; ++x) {
      bool band = (y / 15) % 2 == 0;
      raw.push_back(static_cast<char>(((colour >> 0) & 0xff) ^ (band ? 0x40 : 0)));
      raw.push_back(static_cast<char>((colour >> 8) & 0xff));
      raw.push_back(static_cast<char>(((colour >> 16) & 0xff) ^ (x * 2)));
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(size, '\0');
  compress(reinterpret_cast<Bytef*>(packed.data()), &size,
           reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
  packed.resize(size);
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_be32(ihdr, w);
  put_be32(ihdr, h);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  png_chunk(png, "IHDR", ihdr);
  png_chunk(png, "IDAT", packed);
  png_chunk(png, "IEND", "");
  return png;
}

}  // namespace cinestream::gemini_sim
