#include "cinestream/tmdb/protocol.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "cinestream/text/name_matching.hpp"
#include "cinestream/text/normalize.hpp"

namespace cinestream::tmdb {
namespace json = boost::json;

namespace {

const json::object& object_of(const json::value& v, const char* what) {
  if (!v.is_object()) throw std::invalid_argument(std::string(what) + " is not a JSON object");
  return v.as_object();
}

// TMDB sends null for absent strings (poster_path, imdb_id); both read as "".
std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double() && std::isfinite(v->as_double()) && std::abs(v->as_double()) < 1e15)
    return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

double number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return 0;
  double d = v->to_number<double>();
  return std::isfinite(d) ? d : 0;
}

// A positive runtime, or nullopt: TMDB answers 0 or null for films it has none for.
std::optional<int> runtime_of(const json::object& o) {
  auto r = integer(o, "runtime");
  if (!r || *r <= 0 || *r > 10'000) return std::nullopt;
  return static_cast<int>(*r);
}

std::int64_t required_id(const json::object& o) {
  auto id = integer(o, "id");
  if (!id || *id <= 0) throw std::invalid_argument("movie without a positive id");
  return *id;
}

const json::array* array_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

// The certification of one country's release_dates entry: theatrical (type 3) first, then any.
std::string certification_for(const json::array& results, std::string_view country) {
  for (const auto& r : results) {
    if (!r.is_object() || str(r.as_object(), "iso_3166_1") != country) continue;
    const auto* dates = array_at(r.as_object(), "release_dates");
    if (!dates) continue;
    std::string any;
    for (const auto& d : *dates) {
      if (!d.is_object()) continue;
      auto cert = str(d.as_object(), "certification");
      if (cert.empty()) continue;
      if (integer(d.as_object(), "type").value_or(0) == 3) return cert;
      if (any.empty()) any = cert;
    }
    return any;
  }
  return {};
}

}  // namespace

std::optional<int> year_of(std::string_view date) {
  if (date.size() < 4) return std::nullopt;
  int y = 0;
  auto [p, ec] = std::from_chars(date.data(), date.data() + 4, y);
  if (ec != std::errc{} || p != date.data() + 4 || (date.size() > 4 && date[4] != '-'))
    return std::nullopt;
  if (y < 1870 || y > 2200) return std::nullopt;
  return y;
}

std::string ImageConfig::poster_url(std::string_view path) const {
  if (path.empty() || secure_base_url.empty()) return {};
  std::string size = "original";
  if (!poster_sizes.empty()) {
    size = poster_sizes.back();
    if (std::find(poster_sizes.begin(), poster_sizes.end(), "w500") != poster_sizes.end()) {
      size = "w500";
    } else {
      // The smallest width above 500, so the picture is never blown up.
      int best = 0;
      for (const auto& s : poster_sizes) {
        int w = 0;
        if (s.size() < 2 || s[0] != 'w') continue;
        auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), w);
        if (ec == std::errc{} && p == s.data() + s.size() && w >= 500 && (best == 0 || w < best)) {
          best = w;
          size = s;
        }
      }
    }
  }
  std::string base = secure_base_url;
  if (!base.empty() && base.back() != '/') base.push_back('/');
  return base + size + (path.front() == '/' ? "" : "/") + std::string(path);
}

std::vector<SearchResult> parse_search(const json::value& doc) {
  const auto& o = object_of(doc, "search answer");
  const auto* results = array_at(o, "results");
  if (!results) throw std::invalid_argument("search answer without results[]");
  std::vector<SearchResult> out;
  out.reserve(results->size());
  for (const auto& v : *results) {
    if (!v.is_object()) continue;
    const auto& r = v.as_object();
    auto id = integer(r, "id");
    if (!id || *id <= 0) continue;  // nothing could be asked about it later
    SearchResult s;
    s.id = *id;
    s.title = str(r, "title");
    s.original_title = str(r, "original_title");
    s.original_language = str(r, "original_language");
    s.release_date = str(r, "release_date");
    s.year = year_of(s.release_date);
    s.overview = str(r, "overview");
    s.poster_path = str(r, "poster_path");
    if (const auto* g = array_at(r, "genre_ids")) {
      for (const auto& gid : *g)
        if (gid.is_int64()) s.genre_ids.push_back(static_cast<int>(gid.as_int64()));
    }
    s.popularity = number(r, "popularity");
    const auto* adult = r.if_contains("adult");
    s.adult = adult && adult->is_bool() && adult->as_bool();
    out.push_back(std::move(s));
  }
  return out;
}

MovieDetails parse_details(const json::value& doc) {
  const auto& o = object_of(doc, "movie details");
  MovieDetails d;
  d.id = required_id(o);
  d.title = str(o, "title");
  d.original_title = str(o, "original_title");
  d.original_language = str(o, "original_language");
  d.release_date = str(o, "release_date");
  d.year = year_of(d.release_date);
  d.runtime = runtime_of(o);
  d.imdb_id = str(o, "imdb_id");
  d.poster_path = str(o, "poster_path");
  d.tagline = str(o, "tagline");
  d.popularity = number(o, "popularity");
  if (const auto* genres = array_at(o, "genres")) {
    for (const auto& g : *genres) {
      if (!g.is_object()) continue;
      auto name = str(g.as_object(), "name");
      if (!name.empty()) d.genres.push_back(std::move(name));
    }
  }
  if (d.imdb_id.empty()) {
    if (const auto* ext = object_at(o, "external_ids")) d.imdb_id = str(*ext, "imdb_id");
  }
  if (const auto* tr = object_at(o, "translations")) {
    if (const auto* list = array_at(*tr, "translations")) {
      // A language may come for several countries (en-US and en-GB): the language's home
      // country's entry, even with an empty title (TMDB leaves it empty when it equals the
      // original: the fallbacks below fill it), else the first other one with a title.
      auto take = [&](Localized& into, std::string_view lang, std::string_view home) {
        const json::object* use = nullptr;
        for (const auto& t : *list) {
          if (!t.is_object()) continue;
          const auto& to = t.as_object();
          const auto* data = object_at(to, "data");
          if (!data || str(to, "iso_639_1") != lang) continue;
          if (str(to, "iso_3166_1") == home) {
            use = data;
            break;
          }
          if (!use && !str(*data, "title").empty()) use = data;
        }
        if (!use) return;
        into.title = str(*use, "title");
        into.overview = str(*use, "overview");
        if (!d.runtime) d.runtime = runtime_of(*use);
      };
      take(d.en, "en", "US");
      take(d.uk, "uk", "UA");
      take(d.ru, "ru", "RU");
    }
  }
  // TMDB leaves the translation's title empty when it equals the original.
  if (d.en.title.empty()) {
    d.en.title =
        d.original_language == "en" && !d.original_title.empty() ? d.original_title : d.title;
  }
  if (d.en.overview.empty()) d.en.overview = str(o, "overview");
  if (d.uk.title.empty() && d.original_language == "uk") d.uk.title = d.original_title;
  if (d.ru.title.empty() && d.original_language == "ru") d.ru.title = d.original_title;
  if (const auto* rd = object_at(o, "release_dates")) {
    if (const auto* results = array_at(*rd, "results")) {
      d.age_rating = certification_for(*results, "UA");
      if (d.age_rating.empty()) d.age_rating = certification_for(*results, "US");
    }
  }
  return d;
}

ImageConfig parse_configuration(const json::value& doc) {
  const auto& o = object_of(doc, "configuration");
  const auto* images = object_at(o, "images");
  if (!images) throw std::invalid_argument("configuration without images");
  ImageConfig c;
  c.secure_base_url = str(*images, "secure_base_url");
  if (c.secure_base_url.empty()) c.secure_base_url = str(*images, "base_url");
  if (c.secure_base_url.empty()) throw std::invalid_argument("configuration without a base url");
  if (const auto* sizes = array_at(*images, "poster_sizes")) {
    for (const auto& s : *sizes)
      if (s.is_string()) c.poster_sizes.emplace_back(s.as_string());
  }
  return c;
}

std::optional<ApiError> parse_error(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto code = integer(o, "status_code");
  if (!code) return std::nullopt;
  return ApiError{static_cast<int>(*code), str(o, "status_message")};
}

std::optional<std::size_t> best_match(const MatchQuery& query,
                                      const std::vector<SearchResult>& results) {
  const auto wanted = text::name_form(query.title, true);
  struct Scored {
    std::size_t index;
    double similarity;
    bool same_title;   // the same words in the same order ("A and B" is not "B and A")
    int year_rank;     // 2 exact, 1 off by one or unknown on either side
    int runtime_rank;  // 1 agreeing within 10 minutes, 0 unknown or further
    double popularity;
  };
  std::optional<Scored> best;
  auto better = [](const Scored& a, const Scored& b) {
    // Titles within a hair are the same title (folding noise): the year decides then.
    if (std::abs(a.similarity - b.similarity) > 0.02) return a.similarity > b.similarity;
    if (a.same_title != b.same_title) return a.same_title;
    if (a.year_rank != b.year_rank) return a.year_rank > b.year_rank;
    if (a.runtime_rank != b.runtime_rank) return a.runtime_rank > b.runtime_rank;
    return a.popularity > b.popularity;
  };
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    double sim = 0;
    for (const auto* t : {&r.title, &r.original_title}) {
      if (t->empty()) continue;
      sim = std::max(sim, text::name_similarity(wanted, text::name_form(*t, true), true));
    }
    if (sim < text::kSameNameThreshold) continue;
    int year_rank = 1;
    if (query.year && r.year) {
      int diff = std::abs(*query.year - *r.year);
      if (diff > 1) continue;
      year_rank = diff == 0 ? 2 : 1;
    }
    int runtime_rank = 0;
    if (query.runtime && r.runtime) {
      int diff = std::abs(*query.runtime - *r.runtime);
      if (diff > 20) continue;
      runtime_rank = diff <= 10 ? 1 : 0;
    }
    bool same = same_key(query.title, r.title) || same_key(query.title, r.original_title);
    Scored s{i, sim, same, year_rank, runtime_rank, r.popularity};
    if (!best || better(s, *best)) best = s;
  }
  if (!best) return std::nullopt;
  return best->index;
}

}  // namespace cinestream::tmdb
