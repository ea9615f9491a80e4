#pragma once
// The local Gemini stand-in's logic, independent of HTTP: given a generateContent request it
// answers from the generated world as the real service would (same JSON shapes, usage, grounding
// metadata, error bodies), with switchable, rate-controlled faults and quirks.
//
// The agent's prompts carry their question as JSON between <request> and </request>:
//   {"task":"cinemas","city":"Kyiv"}
//   {"task":"movies","city":"Kyiv","cinemas":["..."]}
//   {"task":"showtimes","city":"Kyiv","dates":["2026-11-21",...],"cinemas":[...],"movies":[...]}
// A real model reads the same block as part of its instructions.
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "cinestream/cities/city_catalog.hpp"
#include "cinestream/gemini_sim/sim_sites.hpp"
#include "cinestream/gemini_sim/world.hpp"

namespace cinestream::gemini_sim {

// Every rate is a probability per call (or per row for row quirks), 0..1.
struct Faults {
  std::chrono::milliseconds latency{0};
  std::chrono::milliseconds jitter{0};
  double rate_429 = 0;
  int burst_429 = 0;                            // the next N calls answer 429, then it clears
  std::chrono::milliseconds retry_delay{1000};  // RetryInfo on 429s
  double rate_500 = 0;
  double rate_503 = 0;
  double stall_rate = 0;
  std::chrono::milliseconds stall{120'000};
  double cut_rate = 0;        // answer cut short with finishReason MAX_TOKENS
  double fence_rate = 0;      // JSON inside ```json fences (text answers only)
  double prose_rate = 0;      // JSON with sentences around it (text answers only)
  double malformed_rate = 0;  // the whole answer is broken JSON
  double hallucination_rate =
      0;                     // per answer: invented rows (wrong dates, unknown cinemas, bad times)
  double misspell_rate = 0;  // per row: cinema or movie spelled differently
  // per row (and per listed cinema): the name as real answers also write it (World::
  // cinema_spellings / movie_spellings: letter case, Ukrainian or Russian, informal romanisation,
  // generic words, the city's name). A request asking for exact names gets a fifth of the rate.
  double name_variant_rate = 0;
  // per answer: a row whose text carries prompt injection, markup, control and bidi characters,
  // and whose URLs are hostile (javascript:, credentials, cloud metadata address)
  double injection_rate = 0;
};

Faults parse_faults(const boost::json::object& o, Faults base = {});
boost::json::object faults_json(const Faults& f);

struct SimOptions {
  WorldOptions world;
  std::string api_key;  // empty: any non-empty key is accepted
  Faults faults;
  std::optional<date::year_month_day> today;  // for truth exports; default: the clock
  // SimServer also serves the cinemas' websites (sim_sites.hpp) on its port, told apart by the
  // Host header; the world's websites then point there.
  bool serve_sites = false;
  SiteOptions sites{};
};

struct SimReply {
  unsigned status = 200;
  std::string content_type = "application/json; charset=UTF-8";
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
};

struct SimStats {
  std::int64_t calls = 0, grounded = 0, errors_injected = 0, cinemas = 0, movies = 0, showtimes = 0,
               other = 0;
};

class SimService {
 public:
  SimService(const CityCatalog& catalog, SimOptions options);

  // `model_and_method`: the path tail after /v1beta/models/, e.g.
  // "gemini-2.5-flash:generateContent" (or "gemini-embedding-001:batchEmbedContents"). `self_base`:
  // how clients reach us
  // ("http://127.0.0.1:PORT"), for poster URLs.
  SimReply generate(std::string_view model_and_method, bool sse, std::string_view api_key,
                    std::string_view body, const std::string& self_base);

  Faults faults() const;
  void set_faults(const Faults& f);
  SimStats stats() const;
  const World& world() const { return world_; }
  const SimOptions& options() const { return options_; }
  // Before serving starts (SimServer::start): the world's websites become loopback sites.
  void set_site_port(std::uint16_t port) { world_.set_site_port(port); }
  const CityCatalog& catalog() const { return catalog_; }
  date::year_month_day today(const date::time_zone* zone) const;

 private:
  std::uint64_t next_roll();
  double roll(std::uint64_t salt);
  std::optional<SimReply> transport_fault(std::uint64_t call, const Faults& f, SimReply& reply);
  // embedContent / batchEmbedContents (sim_embeddings.cpp).
  SimReply embed(const std::string& model, bool batch, std::string_view body, std::uint64_t call);
  std::string answer_for(const boost::json::object& request, bool json_mode,
                         const std::string& self_base, std::uint64_t call,
                         std::string& search_query);

  const CityCatalog& catalog_;
  SimOptions options_;
  World world_;
  mutable std::mutex mutex_;  // guards faults_ and stats_
  Faults faults_;
  SimStats stats_;
  std::atomic<std::uint64_t> call_counter_{0};
};

}  // namespace cinestream::gemini_sim
