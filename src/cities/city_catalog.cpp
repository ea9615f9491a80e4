#include "cinestream/cities/city_catalog.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

#include "cinestream/text/normalize.hpp"

namespace cinestream::embedded {
std::string_view bundled_locations_json();
}

namespace cinestream {

CityCatalog::CityCatalog(std::vector<Location> locations) : locations_(std::move(locations)) {
  for (const auto& l : locations_) {
    const auto* z = find_zone(l.tz);
    if (!z)
      throw std::invalid_argument(fmt::format("location {}: unknown time zone '{}'", l.id, l.tz));
    zones_.push_back(z);
  }
  // Ids first so that a name can never shadow another city's id.
  for (std::size_t i = 0; i < locations_.size(); ++i) {
    by_key_.emplace(normalize_key(locations_[i].id), i);
  }
  for (std::size_t i = 0; i < locations_.size(); ++i) {
    const auto& l = locations_[i];
    for (const std::string* name : {&l.name.en, &l.name.ua, &l.name.ru}) {
      if (!name->empty()) by_key_.emplace(normalize_key(*name), i);
    }
  }
}

const Location* CityCatalog::resolve(std::string_view id_or_name) const {
  auto key = normalize_key(id_or_name);
  if (key.empty()) return nullptr;
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &locations_[it->second];
}

std::size_t CityCatalog::index_of(const Location& l) const {
  return static_cast<std::size_t>(&l - locations_.data());
}

std::vector<NearbyCity> CityCatalog::nearest(GeoPoint from, std::size_t limit) const {
  std::vector<NearbyCity> out;
  out.reserve(locations_.size());
  for (const auto& l : locations_)
    out.push_back({&l, distance_km(from, l.geo)});
  std::sort(out.begin(), out.end(),
            [](const NearbyCity& a, const NearbyCity& b) { return a.distance_km < b.distance_km; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

namespace {

std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) throw std::invalid_argument(fmt::format("missing string '{}'", key));
  return std::string(v->as_string());
}

LocalizedText localized(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_object()) throw std::invalid_argument(fmt::format("missing object '{}'", key));
  const auto& t = v->as_object();
  return {str(t, "en"), str(t, "ua"), str(t, "ru")};
}

double number(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) throw std::invalid_argument(fmt::format("missing number '{}'", key));
  return v->to_number<double>();
}

}  // namespace

std::vector<Location> parse_locations_json(std::string_view json) {
  boost::json::value doc = boost::json::parse(json);
  if (!doc.is_array()) throw std::invalid_argument("locations: expected a JSON array");
  std::vector<Location> out;
  for (const auto& item : doc.as_array()) {
    try {
      if (!item.is_object()) throw std::invalid_argument("expected an object");
      const auto& o = item.as_object();
      Location l;
      l.id = str(o, "id");
      l.name = localized(o, "name");
      l.country = localized(o, "country");
      l.country_code = str(o, "country_code");
      l.geo = {number(o, "lat"), number(o, "lon")};
      l.tz = str(o, "tz");
      if (const auto* p = o.if_contains("population"); p && p->is_number()) {
        l.population = p->to_number<std::int64_t>();
      }
      if (l.id.empty() || l.geo.lat < -90 || l.geo.lat > 90 || l.geo.lon < -180 ||
          l.geo.lon > 180) {
        throw std::invalid_argument("bad id or coordinates");
      }
      out.push_back(std::move(l));
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("locations[{}]: {}", out.size(), e.what()));
    }
  }
  return out;
}

std::vector<Location> bundled_locations() {
  return parse_locations_json(embedded::bundled_locations_json());
}

}  // namespace cinestream
