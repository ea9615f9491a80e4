#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/cli/commands.hpp"
#include "cinestream/gemini_sim/sim_server.hpp"

namespace cinestream::cli {

int gemini_sim(const GeminiSimArgs& args) {
  gemini_sim::SimOptions options;
  options.world.seed = args.seed;
  options.world.cinemas = args.cinemas;
  options.world.movies = args.movies;
  options.api_key = args.api_key;
  if (!args.faults_json.empty()) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(args.faults_json, ec);
    if (ec || !doc.is_object()) throw std::invalid_argument("--faults: expected a JSON object");
    options.faults = gemini_sim::parse_faults(doc.as_object());
  }
  if (!args.today.empty()) {
    options.today = parse_iso_date(args.today);
    if (!options.today) throw std::invalid_argument("--today: expected YYYY-MM-DD");
  }
  options.serve_sites = args.serve_sites;
  options.sites.structured_share = args.structured_share;
  options.sites.slow_delay = std::chrono::milliseconds(args.site_slow_ms);
  if (!args.site_kind.empty()) {
    options.sites.only_kind = gemini_sim::parse_site_kind(args.site_kind);
    if (!options.sites.only_kind) throw std::invalid_argument("--site-kind: unknown kind");
  }
  CityCatalog catalog(bundled_locations());
  gemini_sim::SimServer server(catalog, options);
  return server.run_until_signal(args.host, args.port, args.port_file);
}

}  // namespace cinestream::cli
