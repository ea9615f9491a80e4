#include "cinestream/agent/schema_screenings.hpp"

#include <boost/json.hpp>
#include <boost/url.hpp>

#include <algorithm>
#include <initializer_list>
#include <unordered_map>

#include "cinestream/agent/answers.hpp"

namespace cinestream::agent {
namespace json = boost::json;

namespace {

// Deeper than any real page nests its data; JSON-LD blocks are parsed at most 32 deep.
constexpr std::size_t kMaxWalkDepth = 48;
constexpr std::size_t kMaxIds = 10000;

// "ScreeningEvent", "http://schema.org/ScreeningEvent", "schema:ScreeningEvent".
std::string_view bare_type(std::string_view t) {
  auto p = t.find_last_of("/:#");
  return p == std::string_view::npos ? t : t.substr(p + 1);
}

bool has_type(const json::object& o, std::initializer_list<std::string_view> wanted) {
  const auto* t = o.if_contains("@type");
  if (!t) return false;
  auto match = [&](const json::value& v) {
    if (!v.is_string()) return false;
    auto bare = bare_type(v.as_string());
    for (auto w : wanted)
      if (bare == w) return true;
    return false;
  };
  if (t->is_array()) {
    for (const auto& v : t->as_array())
      if (match(v)) return true;
    return false;
  }
  return match(*t);
}

bool is_event(const json::object& o) {
  return has_type(o, {"ScreeningEvent", "Event"});
}
bool is_place(const json::object& o) {
  return has_type(o, {"MovieTheater", "ScreeningRoom", "Place", "LocalBusiness",
                      "EntertainmentBusiness", "CivicStructure"});
}

// A room named as rooms are ("Зал 3", "Hall 5", "Screen 2"), when the type does not say.
bool looks_like_hall(std::string_view name) {
  for (std::string_view p : {"Зал", "зал", "ЗАЛ", "Hall", "hall", "HALL", "Screen", "screen"})
    if (name.starts_with(p)) return true;
  return false;
}

// Text from a value however it is given: a string (entities decoded), a number, an object's
// name or @value, the first non-empty element of a list.
std::string text_of(const json::value* v, std::size_t max, int depth = 0) {
  if (!v || depth > 3) return {};
  switch (v->kind()) {
    case json::kind::string: {
      std::string_view s = v->as_string();
      // Decoding never lengthens text; what clean_text would cut is not worth decoding.
      return clean_text(decode_html_entities(s.substr(0, max * 4 + 64)), max);
    }
    case json::kind::int64:
      return clean_text(std::to_string(v->as_int64()), max);
    case json::kind::uint64:
      return clean_text(std::to_string(v->as_uint64()), max);
    case json::kind::object: {
      const auto& o = v->as_object();
      for (std::string_view key : {"name", "@value", "value"}) {
        auto t = text_of(o.if_contains(key), max, depth + 1);
        if (!t.empty()) return t;
      }
      return {};
    }
    case json::kind::array: {
      std::size_t n = 0;
      for (const auto& e : v->as_array()) {
        if (++n > 8) break;
        auto t = text_of(&e, max, depth + 1);
        if (!t.empty()) return t;
      }
      return {};
    }
    default:
      return {};
  }
}

class Walker {
 public:
  Walker(std::string_view page_url, std::size_t max, PageScreenings& out)
      : page_url_(page_url), max_(max), out_(out) {}

  // Objects given in full somewhere with an "@id", so references ({"@id": ...}) find them.
  void index(const json::value& v, std::size_t depth = 0) {
    if (depth > kMaxWalkDepth || ids_.size() >= kMaxIds) return;
    if (v.is_array()) {
      for (const auto& e : v.as_array())
        index(e, depth + 1);
    } else if (v.is_object()) {
      const auto& o = v.as_object();
      const auto* id = o.if_contains("@id");
      if (id && id->is_string() && o.size() > 1)
        ids_.emplace(std::string_view(id->as_string()), &v);
      for (const auto& [k, inner] : o)
        if (inner.is_structured()) index(inner, depth + 1);
    }
  }

  struct Context {
    const json::value* place = nullptr;    // the MovieTheater (or room) the events are listed under
    const json::object* movie = nullptr;   // the Movie they are listed under
    const json::object* parent = nullptr;  // the event whose subEvent they are
  };

  void walk(const json::value& v, Context ctx, std::size_t depth) {
    if (depth > kMaxWalkDepth || full_) return;
    if (v.is_array()) {
      for (const auto& e : v.as_array())
        walk(e, ctx, depth + 1);
      return;
    }
    if (!v.is_object()) return;
    const auto& o = v.as_object();
    if (is_event(o)) {
      const auto* subs = o.if_contains("subEvent");
      if (!subs) subs = o.if_contains("subEvents");
      if (!subs) {
        emit(o, ctx);
        return;
      }
      // A series (a film's run, a festival): its screenings are the subEvents, not itself.
      Context sub = ctx;
      sub.parent = &o;
      walk(*subs, sub, depth + 1);
      return;
    }
    if (is_place(o)) ctx.place = &v;
    if (has_type(o, {"Movie"})) ctx.movie = &o;
    // Anything else may hold events anywhere (@graph, event, events, mainEntity, itemListElement).
    for (const auto& [k, inner] : o) {
      if (inner.is_structured()) walk(inner, ctx, depth + 1);
    }
  }

 private:
  const json::value* deref(const json::value* v) const {
    if (!v || !v->is_object()) return v;
    const auto& o = v->as_object();
    const auto* id = o.if_contains("@id");
    if (o.size() != 1 || !id || !id->is_string()) return v;
    auto it = ids_.find(std::string(std::string_view(id->as_string())));
    return it == ids_.end() ? v : it->second;
  }

  const json::value* first(const json::value* v) const {
    v = deref(v);
    if (v && v->is_array()) {
      const auto& a = v->as_array();
      return a.empty() ? nullptr : deref(&a.front());
    }
    return v;
  }

  std::string url_of(const json::value* v) const {
    v = first(v);
    if (v && v->is_object()) {
      const auto& o = v->as_object();
      for (std::string_view key : {"url", "contentUrl", "@id"}) {
        if (const auto* u = o.if_contains(key); u && u->is_string())
          return absolute(u->as_string());
      }
      return {};
    }
    if (v && v->is_string()) return absolute(v->as_string());
    return {};
  }

  std::string absolute(std::string_view ref) const {
    ref = ref.substr(0, 2048);
    auto cleaned = clean_text(decode_html_entities(ref), 2048);
    if (cleaned.empty()) return {};
    if (boost::urls::parse_absolute_uri(cleaned)) return clean_url(cleaned);
    auto base = boost::urls::parse_absolute_uri(page_url_);
    auto rel = boost::urls::parse_uri_reference(cleaned);
    if (!base || !rel) return {};
    boost::urls::url dest;
    if (!boost::urls::resolve(*base, *rel, dest)) return {};
    return clean_url(dest.buffer());
  }

  static std::string address_of(const json::value* v) {
    if (v && v->is_array() && !v->as_array().empty()) v = &v->as_array().front();
    if (!v || !v->is_object()) return text_of(v, 300);
    const auto& o = v->as_object();
    std::string out;
    for (std::string_view key : {"streetAddress", "addressLocality"}) {
      auto part = text_of(o.if_contains(key), 300);
      if (part.empty()) continue;
      if (!out.empty()) out += ", ";
      out += part;
    }
    return clean_text(out, 300);
  }

  // The cinema (and the room, when the location is one) from a location value.
  void place_of(const json::value* v, Screening& s, int depth = 0) const {
    v = first(v);
    if (!v || depth > 4) return;
    if (v->is_string()) {
      if (s.cinema.empty()) s.cinema = text_of(v, 200);
      return;
    }
    if (!v->is_object()) return;
    const auto& o = v->as_object();
    auto name = text_of(o.if_contains("name"), 200);
    const auto* parent = first(o.if_contains("containedInPlace"));
    if (!parent) parent = first(o.if_contains("containedIn"));
    bool room = has_type(o, {"ScreeningRoom"});
    if (!room && parent && parent->is_object() && !has_type(o, {"MovieTheater"})) {
      room = has_type(parent->as_object(), {"MovieTheater"}) || looks_like_hall(name);
    }
    if (room) {
      if (s.hall.empty()) s.hall = clean_text(name, 40);
      place_of(parent, s, depth + 1);
      return;
    }
    if (!s.cinema.empty() || name.empty()) return;
    s.cinema = name;
    s.cinema_address = address_of(o.if_contains("address"));
    s.cinema_url = url_of(o.if_contains("url"));
    if (s.cinema_url.empty()) s.cinema_url = url_of(o.if_contains("sameAs"));
  }

  static std::string joined(const json::value* v, std::size_t max) {
    if (!v || !v->is_array()) return text_of(v, max);
    std::string out;
    std::size_t n = 0;
    for (const auto& e : v->as_array()) {
      if (++n > 8) break;
      auto t = text_of(&e, max);
      if (t.empty()) continue;
      if (!out.empty()) out += ' ';
      out += t;
    }
    return clean_text(out, max);
  }

  // A language as a code, a name, or a Language object ({"name": "English"}).
  static std::string language_of(const json::value* v) {
    if (v && v->is_object()) {
      const auto& o = v->as_object();
      auto t = text_of(o.if_contains("name"), 60);
      return t.empty() ? text_of(o.if_contains("alternateName"), 60) : t;
    }
    return text_of(v, 60);
  }

  void emit(const json::object& e, const Context& ctx) {
    if (out_.screenings.size() >= max_) {
      out_.truncated = true;
      full_ = true;
      return;
    }
    // A subEvent says only what differs from its event (often just the time).
    auto field = [&](std::string_view key) -> const json::value* {
      const auto* f = e.if_contains(key);
      if (!f && ctx.parent) f = ctx.parent->if_contains(key);
      return deref(f);
    };
    Screening s;
    const json::object* movie = nullptr;
    if (const auto* work = first(field("workPresented"))) {
      if (work->is_object()) {
        movie = &work->as_object();
      } else {
        s.movie = text_of(work, 200);
      }
    }
    if (!movie && s.movie.empty()) movie = ctx.movie;
    if (movie) {
      s.movie = text_of(movie->if_contains("name"), 200);
      for (std::string_view key : {"alternateName", "originalTitle"}) {
        const auto* alt = movie->if_contains(key);
        std::vector<const json::value*> list;
        if (alt && alt->is_array()) {
          for (const auto& a : alt->as_array())
            list.push_back(&a);
        } else {
          list.push_back(alt);
        }
        for (const auto* a : list) {
          auto t = text_of(a, 200);
          if (!t.empty() && t != s.movie && s.alternates.size() < 3 &&
              std::find(s.alternates.begin(), s.alternates.end(), t) == s.alternates.end()) {
            s.alternates.push_back(std::move(t));
          }
        }
      }
      s.movie_language = language_of(first(movie->if_contains("inLanguage")));
      s.movie_image = url_of(movie->if_contains("image"));
      s.movie_description = text_of(movie->if_contains("description"), 1000);
      s.duration = text_of(movie->if_contains("duration"), 40);
    }
    if (s.movie.empty()) s.movie = text_of(field("name"), 200);  // an Event named after its film
    place_of(field("location"), s);
    if (s.cinema.empty()) place_of(ctx.place, s);
    s.start = text_of(e.if_contains("startDate"), 60);
    s.video_format = joined(field("videoFormat"), 40);
    s.language = language_of(first(field("inLanguage")));
    s.subtitle_language = language_of(first(field("subtitleLanguage")));
    if (s.duration.empty()) s.duration = text_of(field("duration"), 40);
    s.offer_url = url_of(field("offers"));
    out_.screenings.push_back(std::move(s));
  }

  std::string page_url_;
  std::size_t max_;
  PageScreenings& out_;
  std::unordered_map<std::string, const json::value*> ids_;
  bool full_ = false;
};

}  // namespace

PageScreenings schema_screenings(const PageMarkup& markup, std::string_view page_url,
                                 std::size_t max_screenings) {
  PageScreenings out;
  out.lang = markup.lang;
  out.blocks = static_cast<int>(markup.json_ld.size()) + markup.blocks_invalid;
  out.blocks_invalid = markup.blocks_invalid;
  out.truncated = markup.truncated;
  Walker walker(page_url, max_screenings, out);
  for (const auto& v : markup.json_ld)
    walker.index(v);
  for (const auto& v : markup.microdata)
    walker.index(v);
  for (const auto& v : markup.json_ld)
    walker.walk(v, {}, 0);
  for (const auto& v : markup.microdata)
    walker.walk(v, {}, 0);
  return out;
}

PageScreenings extract_screenings(std::string_view html, std::string_view page_url,
                                  const std::string& encoding) {
  return schema_screenings(read_page_markup(html, {}, encoding), page_url);
}

}  // namespace cinestream::agent
