#include "cinestream/gemini_sim/sim_sites.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <numeric>

#include "cinestream/gemini_sim/sim_hash.hpp"
#include "cinestream/gemini_sim/sim_service.hpp"
#include "cinestream/http/encoding.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::gemini_sim {
namespace json = boost::json;

namespace {

using detail::hash_text;
using detail::splitmix;

constexpr std::array<SiteKind, 3> kStructured{SiteKind::jsonld, SiteKind::jsonld_defective,
                                              SiteKind::microdata};
constexpr std::array<SiteKind, 6> kOthers{SiteKind::html_only, SiteKind::slow,
                                          SiteKind::failing,   SiteKind::disallow,
                                          SiteKind::huge,      SiteKind::redirect_private};
constexpr int kDays = 14;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "name.localhost:8080" -> "name.localhost".
std::string_view without_port(std::string_view host) {
  auto colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(']') != std::string_view::npos) return host;
  auto port = host.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return host;
  return host.substr(0, colon);
}

std::string escape_html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// What a defective site does to names: the first letter as a numeric character reference and
// the spaces as &#32; (double-encoding CMSs), so the text is right only once decoded.
std::string entity_mangled(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  if (!s.empty()) {
    auto first = next_code_point(s, i);
    out = fmt::format("&#{};", static_cast<std::uint32_t>(first));
  }
  for (; i < s.size(); ++i)
    out += s[i] == ' ' ? std::string("&#32;") : std::string(1, s[i]);
  return out;
}

// A screening's language as schema.org values: audio (inLanguage), subtitles
// (subtitleLanguage) and the movie's own language, such that agent::screening_language gives
// back the world's words. Defective sites write names and codes instead of ISO 639-1.
struct SchemaLanguage {
  std::string audio, subtitles, original;
};

SchemaLanguage schema_language(const Location& city, const std::string& world, bool defective,
                               std::uint64_t h) {
  if (city.country_code != "UA") {
    // The world's words outside Ukraine name no language ("dubbed", "original with subtitles"):
    // the site writes them as they are, and the movie's language is not given.
    return {world, "", ""};
  }
  auto pick = [&](std::initializer_list<const char*> clean_and_defective) {
    std::vector<const char*> v(clean_and_defective);
    return std::string(defective ? v[1 + h % (v.size() - 1)] : v[0]);
  };
  std::string original = pick({"en", "English", "англійська", "eng"});
  if (world == "Ukrainian dubbing") {
    return {pick({"uk", "Українська", "uk-UA", "ukr", "украинский"}), "", original};
  }
  if (world == "original with Ukrainian subtitles") {
    return {pick({"en", "eng", "английский", "English"}), pick({"uk", "Українська", "uk-UA"}),
            original};
  }
  return {pick({"en", "eng", "английский", "English", "англійська"}), "", original};
}

std::string local_wall(const date::time_zone* zone, SysSeconds t, const char* fmt_spec) {
  auto local = zone->to_local(t);
  return date::format(fmt_spec, std::chrono::time_point_cast<std::chrono::seconds>(local));
}

std::string duration_of(std::uint64_t h, bool defective) {
  int minutes = 85 + static_cast<int>(h % 86);
  if (defective) {
    switch ((h >> 8) % 3) {
      case 0:
        return fmt::format("PT{}H", (minutes + 30) / 60);  // rounded to hours, as some CMSs do
      case 1:
        return fmt::format("PT{}M", minutes);
      default:
        return fmt::format("P0DT{}H{}M", minutes / 60, minutes % 60);
    }
  }
  return fmt::format("PT{}H{}M", minutes / 60, minutes % 60);
}

struct Menu {
  const char* schedule_text;
  const char* schedule_path;
  const char* about;
  const char* contacts;
  const char* news;
  const char* title;  // "Schedule of screenings"
  const char* today;  // "Today"
  const char* buy;
};

const std::array<Menu, 3>& menus_for(std::string_view lang) {
  static const std::array<Menu, 3> uk{{
      {"Розклад", "/rozklad/", "Про кінотеатр", "Контакти", "Новини", "Розклад сеансів", "Сьогодні",
       "Купити квиток"},
      {"Афіша", "/afisha", "Про нас", "Контакти", "Новини", "Афіша", "Сьогодні", "Квитки"},
      {"Сеанси", "/seansy/", "Про нас", "Як нас знайти", "Акції", "Сеанси", "Сьогодні в кіно",
       "Купити"},
  }};
  static const std::array<Menu, 3> ru{{
      {"Расписание", "/raspisanie/", "О кинотеатре", "Контакты", "Новости", "Расписание сеансов",
       "Сегодня", "Купить билет"},
      {"Афиша", "/afisha", "О нас", "Контакты", "Новости", "Афиша", "Сегодня", "Билеты"},
      {"Сеансы", "/seansy", "О нас", "Как добраться", "Акции", "Сеансы", "Сегодня", "Купить"},
  }};
  static const std::array<Menu, 3> en{{
      {"Schedule", "/schedule", "About us", "Contact", "News", "Schedule", "Today", "Buy tickets"},
      {"Showtimes", "/showtimes/", "About", "Contacts", "News", "Showtimes", "Today", "Tickets"},
      {"What's on", "/whats-on", "About", "Find us", "Offers", "What's on", "Today", "Book"},
  }};
  return lang == "uk" ? uk : lang == "ru" ? ru : en;
}

std::string hall_in(std::string_view lang, const std::string& hall) {
  if (lang == "en" || !hall.starts_with("Hall ")) return hall;
  return "Зал " + hall.substr(5);
}

std::string words_for(std::string_view lang, const std::string& language) {
  if (lang == "uk") {
    if (language == "Ukrainian dubbing") return "Українською";
    if (language == "original") return "Мовою оригіналу";
    if (language == "original with Ukrainian subtitles") return "Оригінал з субтитрами";
  }
  if (lang == "ru") {
    if (language == "Ukrainian dubbing") return "На украинском";
    if (language == "original") return "На языке оригинала";
    if (language == "original with Ukrainian subtitles") return "Оригинал с субтитрами";
  }
  return language;
}

}  // namespace

std::string_view site_kind_name(SiteKind k) {
  switch (k) {
    case SiteKind::jsonld:
      return "jsonld";
    case SiteKind::jsonld_defective:
      return "jsonld_defective";
    case SiteKind::microdata:
      return "microdata";
    case SiteKind::html_only:
      return "html_only";
    case SiteKind::slow:
      return "slow";
    case SiteKind::failing:
      return "failing";
    case SiteKind::disallow:
      return "disallow";
    case SiteKind::huge:
      return "huge";
    case SiteKind::redirect_private:
      return "redirect_private";
  }
  return "unknown";
}

std::optional<SiteKind> parse_site_kind(std::string_view name) {
  for (auto k : kStructured)
    if (site_kind_name(k) == name) return k;
  for (auto k : kOthers)
    if (site_kind_name(k) == name) return k;
  return std::nullopt;
}

bool is_structured(SiteKind k) {
  return std::find(kStructured.begin(), kStructured.end(), k) != kStructured.end();
}

// Everything about one site that the request does not change.
struct SiteService::Site {
  const Location* city = nullptr;
  const date::time_zone* zone = nullptr;
  std::size_t index = 0;
  SimCinema cinema;
  std::string host;  // without the port
  std::string base;  // the website without its trailing '/'
  SiteKind kind = SiteKind::jsonld;
  std::uint64_t h = 0;
  std::string lang;  // "uk", "ru" or "en"
  Menu menu{};
  bool per_day = false;    // the schedule page links a page per day
  bool day_query = false;  // ...as ?date=YYYY-MM-DD rather than /YYYY-MM-DD
  bool home_today = false;
  int shape = 0;  // JSON-LD: 0 MovieTheater with event[], 1 @graph, 2 a list of events
  bool disallow_admin = false;
  bool crawl_delay = false;
  bool sitemap = false;
  bool huge_with_data = false;
  date::year_month_day today{};
};

SiteService::SiteService(const SimService& sim, SiteOptions options)
    : sim_(sim), options_(options) {}

bool SiteService::is_site_host(std::string_view host) {
  auto name = lower(without_port(host));
  if (name.ends_with('.')) name.pop_back();
  return name.size() > 10 && name.ends_with(".localhost");
}

SiteKind SiteService::kind_of(const Location& city, std::size_t cinema_index) const {
  if (options_.only_kind) return *options_.only_kind;
  // A city's sites in an order of their own; the first share of them structured, so every city
  // has the same share, and the kinds taken in turn so each appears.
  const auto n = static_cast<std::size_t>(std::max(0, sim_.world().options().cinemas));
  auto seed = sim_.world().options().seed;
  auto city_h = splitmix(hash_text(city.id) ^ splitmix(seed ^ 0x517e5));
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::make_pair(splitmix(city_h + a), a) < std::make_pair(splitmix(city_h + b), b);
  });
  auto rank =
      static_cast<std::size_t>(std::find(order.begin(), order.end(), cinema_index) - order.begin());
  auto structured = static_cast<std::size_t>(
      std::lround(std::clamp(options_.structured_share, 0.0, 1.0) * static_cast<double>(n)));
  auto turn = static_cast<std::size_t>(city_h >> 40);
  if (rank < structured) return kStructured[(rank + turn) % kStructured.size()];
  return kOthers[(rank - structured + turn) % kOthers.size()];
}

std::optional<SiteService::Site> SiteService::site_for(std::string_view host) const {
  auto name = lower(without_port(host));
  if (name.ends_with('.')) name.pop_back();
  for (const auto& city : sim_.catalog().all()) {
    if (!name.ends_with(sim_site_host(city, ""))) continue;  // "-<city>.localhost"
    auto cinemas = sim_.world().cinemas(city);
    for (std::size_t i = 0; i < cinemas.size(); ++i) {
      if (sim_site_host(city, cinemas[i].name) != name) continue;
      Site s;
      s.city = &city;
      s.zone = sim_.catalog().zone(city);
      s.index = i;
      s.cinema = cinemas[i];
      s.host = name;
      s.base = cinemas[i].website;
      if (s.base.ends_with('/')) s.base.pop_back();
      s.kind = kind_of(city, i);
      s.h = splitmix(hash_text(name) ^ splitmix(sim_.world().options().seed));
      auto roll = s.h % 10;
      s.lang = city.country_code != "UA" ? "en" : roll < 7 ? "uk" : roll < 9 ? "ru" : "en";
      s.menu = menus_for(s.lang)[(s.h >> 8) % 3];
      s.per_day = (s.h >> 12) % 3 == 0;
      s.day_query = (s.h >> 14) % 2 == 0;
      s.home_today = (s.h >> 16) % 3 == 0;
      s.shape = static_cast<int>((s.h >> 18) % 3);
      s.disallow_admin = (s.h >> 20) % 2 == 0;
      s.crawl_delay = (s.h >> 22) % 4 == 0;
      s.sitemap = (s.h >> 24) % 2 == 0;
      s.huge_with_data = (s.h >> 26) % 2 == 0;
      if (s.kind == SiteKind::huge) {  // the 14 days only after the padding
        s.per_day = false;
        s.home_today = false;
      }
      s.today = sim_.today(s.zone);
      return s;
    }
  }
  return std::nullopt;
}

std::string SiteService::schedule_path(const Location& city, std::size_t cinema_index) const {
  auto cinemas = sim_.world().cinemas(city);
  if (cinema_index >= cinemas.size()) return {};
  auto site = site_for(sim_site_host(city, cinemas[cinema_index].name));
  return site ? site->menu.schedule_path : std::string();
}

std::map<std::string, SiteStats> SiteService::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

namespace {

// One screening as the site shows it.
struct Shown {
  const SimShowtime* s;
  const SimMovie* movie;
};

class PageWriter {
 public:
  PageWriter(const Location& city, const date::time_zone* zone, const SimCinema& cinema,
             std::string lang, std::string base, bool defective)
      : city_(city),
        zone_(zone),
        cinema_(cinema),
        lang_(std::move(lang)),
        base_(std::move(base)),
        defective_(defective) {}

  std::string title_of(const SimMovie& m) const {
    return lang_ == "uk" ? m.title.ua : lang_ == "ru" ? m.title.ru : m.title.en;
  }

  std::string start_of(const SimShowtime& s, std::size_t n) const {
    if (!defective_) return format_local_time(zone_, s.start);
    auto offset = format_local_time(zone_, s.start).substr(19);  // "+02:00"
    switch (n % 4) {
      case 0:  // a formatter appending the zone to a UTC-looking string: means wall time
        return local_wall(zone_, s.start, "%Y-%m-%dT%H:%M:%S.000Z") + offset;
      case 1:
        return local_wall(zone_, s.start, "%Y-%m-%dT%H:%M:%S");
      case 2:
        return local_wall(zone_, s.start, "%Y-%m-%d %H:%M");
      default:
        return format_local_time(zone_, s.start);
    }
  }

  json::object address() const {
    return {{"@type", "PostalAddress"},
            {"streetAddress", cinema_.address},
            {"addressLocality", city_.name.en}};
  }
  json::object theater(bool with_id) const {
    json::object t{{"@type", "MovieTheater"},
                   {"name", defective_ ? entity_mangled(cinema_.name) : cinema_.name},
                   {"url", base_ + "/"},
                   {"address", address()}};
    if (with_id) t["@id"] = base_ + "/#theater";
    return t;
  }
  json::object movie(const SimMovie& m, bool with_id) const {
    auto h = hash_text(m.slug);
    auto title = title_of(m);
    json::object o{{"@type", "Movie"},
                   {"name", defective_ ? entity_mangled(title) : title},
                   {"duration", duration_of(h, defective_)},
                   {"image", base_ + "/img/posters/" + m.slug + ".jpg"}};
    if (lang_ != "en") o["alternateName"] = m.title.en;
    if (defective_) {
      o["description"] = lang_ == "en" ? fmt::format("The &#039;{}&#039; film.", m.title.en)
                                       : fmt::format("Фільм &#039;{}&#039;.", m.title.ua);
    }
    auto lang = schema_language(city_, "original", defective_, h);
    if (!lang.original.empty()) o["inLanguage"] = lang.original;
    if (with_id) o["@id"] = "#movie-" + m.slug;
    return o;
  }

  json::object event(const Shown& x, std::size_t n, int shape) const {
    const auto& s = *x.s;
    auto h = splitmix(static_cast<std::uint64_t>(s.start.time_since_epoch().count()) ^ n);
    auto lang = schema_language(city_, s.language, defective_, h);
    json::object room{{"@type", "ScreeningRoom"}, {"name", hall_in(lang_, s.hall)}};
    if (shape == 2) {
      room["containedInPlace"] = theater(false);
    } else {
      room["containedInPlace"] = json::object{{"@id", base_ + "/#theater"}};
    }
    json::object e{{"@type", "ScreeningEvent"},   {"name", title_of(*x.movie)},
                   {"startDate", start_of(s, n)}, {"location", std::move(room)},
                   {"videoFormat", s.format},     {"inLanguage", lang.audio}};
    if (shape == 1) {
      e["workPresented"] = json::object{{"@id", "#movie-" + x.movie->slug}};
    } else {
      e["workPresented"] = movie(*x.movie, false);
    }
    if (!lang.subtitles.empty()) e["subtitleLanguage"] = lang.subtitles;
    e["offers"] = json::object{{"@type", "Offer"},
                               {"url", fmt::format("/tickets/{}", h % 1'000'000)},
                               {"price", fmt::format("{}", 120 + (h >> 20) % 10 * 20)},
                               {"priceCurrency", city_.country_code == "UA" ? "UAH" : "EUR"},
                               {"availability", "https://schema.org/InStock"}};
    return e;
  }

  // The page's JSON-LD blocks (each a whole <script> element).
  std::string json_ld(const std::vector<Shown>& shown, int shape,
                      const std::vector<const SimMovie*>& movies) const {
    if (shown.empty()) return {};
    json::value doc;
    if (shape == 0 || defective_) {
      json::array events;
      for (std::size_t i = 0; i < shown.size(); ++i)
        events.push_back(event(shown[i], i, 0));
      if (defective_) events.push_back(event(shown.front(), 0, 0));  // listed twice
      auto t = theater(true);
      t["@context"] = "https://schema.org";
      t["event"] = std::move(events);
      doc = std::move(t);
    } else if (shape == 1) {
      json::array graph{theater(true)};
      for (const auto* m : movies)
        graph.push_back(movie(*m, true));
      for (std::size_t i = 0; i < shown.size(); ++i)
        graph.push_back(event(shown[i], i, 1));
      doc = json::object{{"@context", "https://schema.org"}, {"@graph", std::move(graph)}};
    } else {
      json::array list;
      for (std::size_t i = 0; i < shown.size(); ++i) {
        auto e = event(shown[i], i, 2);
        e["@context"] = "https://schema.org";
        list.push_back(std::move(e));
      }
      doc = std::move(list);
    }
    auto text = json::serialize(doc);
    std::string out;
    if (defective_) {
      // A plugin's comment, a trailing comma, and blocks about something else around it.
      text.insert(text.size() - 1, ",");
      out += R"(<script type="application/ld+json">{"@context":"https://schema.org",)"
             R"("@type":"Organization","name":")" +
             cinema_.name + R"(","url":")" + base_ + R"(/","sameAs":["https://www.facebook.com/)" +
             lower(cinema_.name.substr(0, cinema_.name.find(' '))) + "\"]}</script>\n";
      out += "<script type=\"application/ld+json\">\n// generated by the schedule plugin\n" + text +
             "\n</script>\n";
      out += R"(<script type="application/ld+json">{"@context":"https://schema.org",)"
             R"("@type":"BreadcrumbList","itemListElement":[{"@type":"ListItem","position":1,)"
             R"("name":"Home","item":")" +
             base_ + R"(/"}]}</script>)" + "\n";
      return out;
    }
    return "<script type=\"application/ld+json\">" + text + "</script>\n";
  }

  // One MovieTheater item per day, as schedule pages group them (and a reader keeps a bounded
  // number of values per property: a fortnight under one item would be cut).
  std::string microdata(const std::vector<Shown>& shown) const {
    std::string out, day;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      auto d = local_wall(zone_, shown[i].s->start, "%Y-%m-%d");
      if (d != day) {
        if (!day.empty()) out += "</ul></div>\n";
        day = d;
        out += theater_item(d);
      }
      out += screening_item(shown[i]);
    }
    return out.empty() ? out : out + "</ul></div>\n";
  }

  std::string theater_item(std::string_view day) const {
    return fmt::format(
        "<div itemscope itemtype=\"https://schema.org/MovieTheater\" data-day=\"{}\">\n"
        "<h2 itemprop=\"name\">{}</h2>\n"
        "<div itemprop=\"address\" itemscope itemtype=\"https://schema.org/PostalAddress\">"
        "<span itemprop=\"streetAddress\">{}</span>, <span itemprop=\"addressLocality\">{}</span>"
        "</div>\n<ul class=\"sessions\">\n",
        day, escape_html(cinema_.name), escape_html(cinema_.address), escape_html(city_.name.en));
  }

  std::string screening_item(const Shown& x) const {
    std::string out;
    const auto& s = *x.s;
    const auto& m = *x.movie;
    auto lang = schema_language(city_, s.language, false, 0);
    auto mh = hash_text(m.slug);
    out += fmt::format(
        "<li itemprop=\"event\" itemscope itemtype=\"https://schema.org/ScreeningEvent\">\n"
        " <time itemprop=\"startDate\" datetime=\"{}\">{}</time>\n"
        " <div itemprop=\"workPresented\" itemscope itemtype=\"https://schema.org/Movie\">"
        "<a itemprop=\"url\" href=\"/film/{}\"><span itemprop=\"name\">{}</span></a>",
        format_local_time(zone_, s.start), local_wall(zone_, s.start, "%d.%m %H:%M"), m.slug,
        escape_html(title_of(m)));
    if (lang_ != "en")
      out +=
          fmt::format("<meta itemprop=\"alternateName\" content=\"{}\">", escape_html(m.title.en));
    if (!lang.original.empty())
      out += fmt::format("<meta itemprop=\"inLanguage\" content=\"{}\">", lang.original);
    out +=
        fmt::format("<meta itemprop=\"duration\" content=\"{}\"></div>\n", duration_of(mh, false));
    out += fmt::format(
        " <span itemprop=\"location\" itemscope itemtype=\"https://schema.org/ScreeningRoom\">"
        "<span itemprop=\"name\">{}</span></span>\n"
        " <span itemprop=\"videoFormat\">{}</span>\n"
        " <span>{}</span><meta itemprop=\"inLanguage\" content=\"{}\">",
        escape_html(hall_in(lang_, s.hall)), s.format, escape_html(words_for(lang_, s.language)),
        escape_html(lang.audio));
    if (!lang.subtitles.empty())
      out += fmt::format("<meta itemprop=\"subtitleLanguage\" content=\"{}\">", lang.subtitles);
    out += "\n</li>\n";
    return out;
  }

  // For people: a table, no structured data.
  std::string table(const std::vector<Shown>& shown, std::string_view buy) const {
    std::string out = "<table class=\"schedule\">\n";
    std::string day;
    for (const auto& x : shown) {
      auto d = local_wall(zone_, x.s->start, "%d.%m.%Y");
      if (d != day) {
        out += fmt::format("<tr class=\"day\"><th colspan=\"5\">{}</th></tr>\n", d);
        day = d;
      }
      out += fmt::format(
          "<tr><td class=\"time\">{}</td><td class=\"film\">{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td><a href=\"/tickets/{}\">{}</a></td></tr>\n",
          local_wall(zone_, x.s->start, "%H:%M"), escape_html(title_of(*x.movie)),
          escape_html(hall_in(lang_, x.s->hall)), x.s->format,
          escape_html(words_for(lang_, x.s->language)),
          hash_text(x.movie->slug) % 100000 +
              static_cast<std::uint64_t>(x.s->start.time_since_epoch().count()) % 1000,
          buy);
    }
    return out + "</table>\n";
  }

 private:
  const Location& city_;
  const date::time_zone* zone_;
  const SimCinema& cinema_;
  std::string lang_;
  std::string base_;
  bool defective_;
};

std::string robots_for(const SiteKind kind, bool admin, bool delay, bool sitemap,
                       const std::string& base) {
  if (kind == SiteKind::disallow) return "User-agent: *\nDisallow: /\n";
  std::string out = "# robots.txt\nUser-agent: GPTBot\nDisallow: /\n\nUser-agent: *\n";
  if (admin) out += "Disallow: /admin\nDisallow: /cart?\n";
  if (delay) out += "Crawl-delay: 1\n";
  out += "Allow: /\n";
  if (sitemap) out += "\nSitemap: " + base + "/sitemap.xml\n";
  return out;
}

std::string http_date_of(date::year_month_day day) {
  return http::format_http_date(std::chrono::sys_seconds{date::sys_days{day}} +
                                std::chrono::hours(5));
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the only form HTTP/1.1 senders generate.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(25) != " GMT") return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto month = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  int day = number(5, 2), year = number(12, 4), hh = number(17, 2), mm = number(20, 2),
      ss = number(23, 2);
  if (month == kMonths.end() || day < 1 || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
      ss < 0 || ss > 60)
    return std::nullopt;
  date::year_month_day ymd{date::year{year},
                           date::month{static_cast<unsigned>(month - kMonths.begin() + 1)},
                           date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_seconds{date::sys_days{ymd}} + std::chrono::hours{hh} +
         std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

}  // namespace

SiteReply SiteService::page(const Site& site, std::string_view path, std::string_view query) const {
  SiteReply r;
  const auto& m = site.menu;
  auto html_reply = [&](unsigned status, std::string body) {
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(body);
    return r;
  };
  if (path == "/robots.txt") {
    if (site.kind == SiteKind::failing) return html_reply(404, "<h1>404 Not Found</h1>");
    r.content_type = "text/plain; charset=utf-8";
    r.body = robots_for(site.kind, site.disallow_admin, site.crawl_delay, site.sitemap, site.base);
    return r;
  }
  if (site.kind == SiteKind::failing) {
    return html_reply((site.h >> 30) % 2 ? 503 : 500,
                      "<html><body><h1>Service Temporarily Unavailable</h1></body></html>");
  }
  if (site.kind == SiteKind::redirect_private) {
    r.status = 302;
    r.location =
        (site.h >> 30) % 2 ? "http://10.0.0.5/" : "http://169.254.169.254/latest/meta-data/";
    return r;
  }
  if (site.kind == SiteKind::slow) r.delay = options_.slow_delay;

  // The 14 days and the cinema's screenings in them.
  const auto& world = sim_.world();
  auto movies = world.movies(*site.city);
  std::vector<date::year_month_day> days;
  std::vector<std::vector<SimShowtime>> by_day;
  for (int d = 0; d < kDays; ++d) {
    date::year_month_day day{date::sys_days{site.today} + date::days{d}};
    days.push_back(day);
    auto all = world.showtimes(*site.city, site.zone, day);
    std::erase_if(all, [&](const SimShowtime& s) { return s.cinema != site.index; });
    by_day.push_back(std::move(all));
  }
  auto shown_of = [&](std::size_t from, std::size_t to) {
    std::vector<Shown> out;
    for (auto d = from; d < to && d < by_day.size(); ++d)
      for (const auto& s : by_day[d])
        out.push_back({&s, &movies[s.movie]});
    return out;
  };
  auto content_kind = site.kind == SiteKind::jsonld_defective || site.kind == SiteKind::microdata ||
                              site.kind == SiteKind::html_only
                          ? site.kind
                          : SiteKind::jsonld;
  PageWriter w(*site.city, site.zone, site.cinema, site.lang, site.base,
               content_kind == SiteKind::jsonld_defective);
  auto used_movies = [&](const std::vector<Shown>& shown) {
    std::vector<const SimMovie*> out;
    for (const auto& x : shown)
      if (std::find(out.begin(), out.end(), x.movie) == out.end()) out.push_back(x.movie);
    return out;
  };
  // The structured data of these screenings in the site's form (none for html_only).
  auto data_of = [&](const std::vector<Shown>& shown) -> std::pair<std::string, std::string> {
    if (content_kind == SiteKind::microdata) return {"", w.microdata(shown)};
    if (content_kind == SiteKind::html_only) return {"", ""};
    return {w.json_ld(shown, site.shape, used_movies(shown)), ""};
  };
  std::string schedule_base(m.schedule_path);
  if (schedule_base.size() > 1 && schedule_base.ends_with('/')) schedule_base.pop_back();
  auto day_url = [&](date::year_month_day day) {
    if (site.day_query) return fmt::format("{}?date={}", m.schedule_path, format_iso_date(day));
    return fmt::format("{}/{}{}", schedule_base, format_iso_date(day),
                       std::string_view(m.schedule_path).ends_with('/') ? "/" : "");
  };
  auto render = [&](std::string_view title, std::string_view head_extra, std::string_view body) {
    std::string nav = fmt::format(
        "<nav class=\"menu\"><ul>\n<li><a href=\"/\">{}</a></li>\n"
        "<li><a href=\"{}\">{}</a></li>\n<li><a href=\"/about\">{}</a></li>\n"
        "<li><a href=\"/news\">{}</a></li>\n<li><a href=\"/contacts\">{}</a></li>\n"
        "<li><a href=\"https://www.instagram.com/{}/\">Instagram</a></li>\n"
        "<li><a href=\"mailto:info@{}\">E-mail</a></li>\n"
        "<li><a href=\"javascript:void(0)\" onclick=\"openSearch()\">&#128269;</a></li>\n",
        escape_html(site.cinema.name), m.schedule_path, m.schedule_text, m.about, m.news,
        m.contacts, site.host.substr(0, site.host.find('.')), site.host);
    if (site.disallow_admin) nav += "<li class=\"staff\"><a href=\"/admin/login\">CMS</a></li>\n";
    nav += "</ul></nav>\n";
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\n"
        "<title>{} — {}</title>\n<meta name=\"viewport\" content=\"width=device-width\">\n"
        "<link rel=\"stylesheet\" href=\"/css/site.css\">\n{}</head>\n<body>\n<header>{}</header>\n"
        "<main>\n{}</main>\n<footer><p>{}, {}</p><p>&copy; {}</p></footer>\n</body></html>\n",
        site.lang == "uk" ? std::string((site.h >> 32) % 2 ? "uk-UA" : "uk") : site.lang,
        escape_html(title), escape_html(site.cinema.name), head_extra, nav, body,
        escape_html(site.cinema.address), escape_html(site.city->name.en),
        static_cast<int>(site.today.year()));
  };

  if (path == "/" || path == "/index.html") {
    std::string head,
        body = fmt::format("<h1>{}</h1>\n<p><a href=\"{}\">{} &rarr;</a></p>\n",
                           escape_html(site.cinema.name), m.schedule_path, m.schedule_text);
    if (site.home_today) {
      auto shown = shown_of(0, 1);
      auto [ld, micro] = data_of(shown);
      head = ld;
      body += fmt::format("<h2>{}</h2>\n{}", m.today,
                          content_kind == SiteKind::html_only ? w.table(shown, m.buy) : micro);
    }
    return html_reply(200, render(site.cinema.name, head, body));
  }
  std::string day_param;
  if (auto p = query.find("date="); p != std::string_view::npos) {
    day_param = std::string(query.substr(p + 5, 10));
  }
  bool on_schedule =
      path == m.schedule_path || path == schedule_base || path == schedule_base + "/";
  std::optional<std::size_t> day_index;
  if (on_schedule && !day_param.empty()) {
    for (std::size_t d = 0; d < days.size(); ++d)
      if (format_iso_date(days[d]) == day_param) day_index = d;
    if (!day_index) return html_reply(404, render("404", "", "<h1>404</h1>"));
  } else if (!on_schedule && path.starts_with(schedule_base + "/") && schedule_base != "/") {
    auto rest = path.substr(schedule_base.size() + 1);
    if (rest.ends_with('/')) rest.remove_suffix(1);
    for (std::size_t d = 0; d < days.size(); ++d)
      if (format_iso_date(days[d]) == rest) day_index = d;
    if (!day_index) return html_reply(404, render("404", "", "<h1>404</h1>"));
  }
  if (on_schedule || day_index) {
    std::vector<Shown> shown;
    std::string links;
    if (day_index) {
      shown = shown_of(*day_index, *day_index + 1);
    } else if (site.per_day) {
      links = "<ul class=\"days\">\n";
      for (auto day : days) {
        links += fmt::format("<li><a href=\"{}\">{}</a></li>\n", escape_html(day_url(day)),
                             format_iso_date(day));
      }
      links += "</ul>\n";
    } else {
      shown = shown_of(0, days.size());
    }
    auto [ld, micro] = data_of(shown);
    std::string body = fmt::format("<h1>{}</h1>\n{}", m.title, links);
    body += content_kind == SiteKind::html_only ? w.table(shown, m.buy) : micro;
    if (site.kind == SiteKind::huge && !day_index) {
      // A page builder's inline state: 8.5 MiB before the data (or instead of it).
      std::string padding = "<div hidden class=\"state\"><!-- ";
      padding.append(8u * 1024 * 1024 + 512 * 1024, 'x');
      padding += " --></div>\n";
      body = padding + body;
      if (site.huge_with_data) {
        body += ld;
      }
      return html_reply(200, render(m.title, "", body));
    }
    return html_reply(200, render(m.title, ld, body));
  }
  if (path == "/about" || path == "/news" || path == "/contacts") {
    return html_reply(
        200, render(path.substr(1), "",
                    fmt::format("<h1>{}</h1><p>{}</p><p>{}</p>", escape_html(site.cinema.name),
                                escape_html(site.cinema.address), "Lorem ipsum dolor sit amet.")));
  }
  if (path == "/sitemap.xml") {
    r.content_type = "application/xml";
    r.body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    for (const auto& p : {std::string("/"), std::string(m.schedule_path), std::string("/about"),
                          std::string("/contacts")})
      r.body += "<url><loc>" + site.base + p + "</loc></url>\n";
    r.body += "</urlset>\n";
    return r;
  }
  if (path.starts_with("/admin")) return html_reply(403, render("403", "", "<h1>403</h1>"));
  return html_reply(404, render("404", "", "<h1>404</h1>"));
}

SiteReply SiteService::serve(std::string_view host, std::string_view target,
                             const SiteRequest& request) {
  auto key = lower(without_port(host));
  auto site = site_for(host);
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  SiteReply r;
  if (!site) {
    r.status = 404;
    r.content_type = "text/html; charset=utf-8";
    r.body = "<h1>404 Not Found</h1><p>No site here.</p>";
  } else {
    r = page(*site, path, query);
    if (r.status == 200) {
      r.etag = http::make_etag(r.body);
      r.last_modified = http_date_of(site->today);
      bool fresh = false;
      if (!request.if_none_match.empty()) {
        fresh = http::etag_matches(request.if_none_match, r.etag);
      } else if (!request.if_modified_since.empty()) {
        auto since = parse_http_date(request.if_modified_since);
        auto modified = parse_http_date(r.last_modified);
        fresh = since && modified && *modified <= *since;
      }
      if (fresh) {
        r.status = 304;
        r.body.clear();
        r.content_type.clear();
      }
    }
  }
  bool disallowed = false;
  if (site && path != "/robots.txt") {
    disallowed = site->kind == SiteKind::disallow ||
                 (site->disallow_admin &&
                  (path.starts_with("/admin") || (path == "/cart" && q != std::string_view::npos)));
  }
  std::lock_guard lock(mutex_);
  auto& s = stats_[key];
  ++s.requests;
  s.not_modified += r.status == 304;
  s.bytes += static_cast<std::int64_t>(r.body.size());
  s.disallowed += disallowed;
  s.user_agent = std::string(request.user_agent.substr(0, 200));
  return r;
}

}  // namespace cinestream::gemini_sim
