#include "cinestream/agent/scraper.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "cinestream/agent/prompts.hpp"
#include "cinestream/agent/site_schedule.hpp"

namespace cinestream::agent {
namespace asio = boost::asio;
using namespace std::chrono_literals;

std::optional<Plan> parse_plan(std::string_view s) {
  if (s == "by_day" || s == "default") return Plan::by_day;
  if (s == "per_movie_day" || s == "original") return Plan::per_movie_day;
  return std::nullopt;
}

std::string_view to_string(Plan p) {
  return p == Plan::per_movie_day ? "per_movie_day" : "by_day";
}

std::vector<std::string> horizon(date::year_month_day today, int days) {
  std::vector<std::string> out;
  for (int i = 0; i < days; ++i) {
    out.push_back(format_iso_date(date::year_month_day{date::sys_days{today} + date::days{i}}));
  }
  return out;
}

namespace {

// The city's own names, taken out of cinema names before comparing ("Multiplex Lavina Kyiv").
std::vector<std::string> place_names(const Location& c) {
  std::vector<std::string> out;
  for (const auto* n : {&c.name.en, &c.name.ua, &c.name.ru}) {
    if (!n->empty()) out.push_back(*n);
  }
  return out;
}

constexpr std::size_t kMaxHeldRows = 5000;
constexpr std::size_t kMaxAskedNames = 60;

double loss_of(const DropCounts& d, std::size_t kept) {
  auto lost = static_cast<double>(d.lost());
  return lost > 0 ? lost / (lost + static_cast<double>(kept)) : 0.0;
}

}  // namespace

ScrapeStatus final_status_of(const ScrapeReport& report, bool stopped, bool failed) {
  if (stopped || report.stopped) {
    return ScrapeStatus::stale;  // stopped: what it covered stays, the rest is missing
  }
  if (failed || report.store_failed || report.lock_lost) {
    // A store error or a lost lock is a failure even if every day got covered: never "fresh".
    return ScrapeStatus::failed;
  }
  // Not a fault: what was stored stays, the rest waits for tomorrow's budget.
  if (report.budget_exhausted) return ScrapeStatus::partial;
  if (!report.days_lossy.empty() &&
      report.days_covered.size() + report.days_lossy.size() == report.days_asked.size()) {
    // Every day answered, but some lost too many rows to names no one could place: never
    // "fresh"; those days stay uncovered, so the next scrape asks for them again.
    return ScrapeStatus::partial;
  }
  if (report.days_covered.size() < report.days_asked.size())
    return report.days_covered.empty() ? ScrapeStatus::failed : ScrapeStatus::stale;
  return ScrapeStatus::fresh;
}

struct Scraper::Run {
  Run(const Location& c, const date::time_zone* z)
      : city(c), zone(z), places(place_names(c)), cinema_index(false, places) {}
  const Location& city;
  const date::time_zone* zone;
  std::vector<std::string> places;
  std::vector<CinemaInfo> cinemas;
  std::vector<MovieInfo> movies;
  NameIndex cinema_index;
  NameIndex movie_index{true};
  // Per day: rows kept and rows lost (DropCounts::lost) over the answers used.
  std::map<std::string, std::pair<std::size_t, std::size_t>> day_rows;
  std::vector<UnplacedName> unplaced;  // names no answer row could place
  std::vector<LearnedName> variants;   // recognised spellings, to be learned as aliases
  // Rows dropped for their cinema's name, kept to be read again once the names are asked about
  // (bounded: kMaxHeldRows).
  struct Held {
    boost::json::value row;
    std::string day;  // the day its loss was counted against
    std::set<std::string> days;
    bool ambiguous = false;
  };
  std::vector<Held> held;
  std::set<std::string> asked;
  struct Unit {
    std::vector<std::string> days;
    std::vector<std::size_t> cinemas;
    std::vector<std::string> movies;
    int depth = 0;
  };
  std::deque<Unit> queue;                 // units not started; the lanes take them in order
  std::map<std::string, int> open_units;  // per day: units not yet finished
  std::set<std::string> failed_days;
  std::vector<std::string> covered;
  // Per day: the cinemas whose own site covered it with valid rows (not asked of the model).
  std::map<std::string, std::set<std::size_t>> site_covered;
  std::size_t site_rows = 0, site_cinema_days = 0;  // of the structured sites: their density
  ScrapeReport report;
  int pending = 0;  // lanes running
  std::unique_ptr<asio::steady_timer> all_done;
  SysSeconds now;
};

Scraper::Scraper(gemini::Client& client, Async<ScrapeStore> store, const CityCatalog& catalog,
                 ScrapeOptions options, ScraperHooks hooks, SiteReader* sites)
    : client_(client),
      store_(store),
      catalog_(catalog),
      options_(options),
      hooks_(std::move(hooks)),
      sites_(sites) {
  if (!hooks_.now) {
    hooks_.now = [] {
      return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    };
  }
}

asio::awaitable<gemini::CallResult> Scraper::call(Run& run, gemini::GenerateRequest request) {
  if (stopping(run)) throw ScrapeStopped("the scrape was stopped");
  if (hooks_.before_call) co_await hooks_.before_call();
  auto result = co_await client_.generate(std::move(request));
  run.report.progress.usage += result.usage;
  if (hooks_.on_progress) hooks_.on_progress(run.report.progress);
  co_return result;
}

asio::awaitable<gemini::CallResult> Scraper::ask_list(Run& run,
                                                      const gemini::GenerateRequest& request) {
  std::optional<gemini::CallResult> best;
  auto req = request;
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto res = co_await call(run, req);
    // A repaired answer lost its tail, whether cut short or malformed: ask again, with more room
    // for the answer when it was cut by the output limit.
    bool cut = res.response.finish_reason == "MAX_TOKENS";
    bool complete = res.json && !res.json_repaired && !cut;
    spdlog::debug("scrape {}: list answer attempt {}: finish {}, repaired {}", run.city.id,
                  attempt + 1, res.response.finish_reason, res.json_repaired);
    if (!best || !best->json) {
      best = std::move(res);
    } else if (res.json && res.json->is_array() && best->json->is_array()) {
      // Keep every distinct item any attempt returned: partial answers complement each other.
      auto& into = best->json->as_array();
      for (auto& item : res.json->as_array()) {
        if (std::find(into.begin(), into.end(), item) == into.end())
          into.push_back(std::move(item));
      }
      best->usage += res.usage;
    }
    if (complete) {
      best->json_repaired = false;
      break;
    }
    if (cut) req.max_output_tokens = std::min(65536, req.max_output_tokens * 2);
  }
  co_return std::move(*best);
}

bool Scraper::stopping(const Run& run) const {
  return run.report.lock_lost || (hooks_.stopped && hooks_.stopped());
}

asio::awaitable<void> Scraper::lane(Run& run) {
  while (!run.queue.empty()) {
    auto u = std::move(run.queue.front());
    run.queue.pop_front();
    co_await showtimes_unit(run, std::move(u.days), std::move(u.cinemas), std::move(u.movies),
                            u.depth);
  }
}

asio::awaitable<void> Scraper::showtimes_unit(Run& run, std::vector<std::string> days,
                                              std::vector<std::size_t> cinemas,
                                              std::vector<std::string> movies, int depth) {
  auto& progress = run.report.progress;
  bool ok = false;
  std::string store_error;
  bool lock_lost = false;
  try {
    ok = co_await showtimes_work(run, days, cinemas, movies, depth);
  } catch (const LockLost& e) {
    lock_lost = true;
    store_error = e.what();
  } catch (const std::exception& e) {
    store_error = e.what();
  }
  if (lock_lost) {
    // Fenced out: another owner holds the city; the remaining units stop (stopping()).
    run.report.lock_lost = true;
    run.report.error = "the city's lock passed to another owner";
  } else if (!store_error.empty()) {
    spdlog::warn("scrape {}: storing {} failed: {}", run.city.id, days.front(), store_error);
    run.report.store_failed = true;
    if (run.report.error.empty() || !run.report.error.starts_with("store: "))
      run.report.error = "store: " + store_error;
  }
  // Counted as finished exactly once, whatever happened above.
  ++progress.units_done;
  if (!ok) ++progress.units_failed;
  std::vector<std::string> complete;
  for (const auto& d : days) {
    if (!ok) run.failed_days.insert(d);
    if (--run.open_units[d] != 0 || run.failed_days.contains(d)) continue;
    // Answered, but too many of its rows were dropped: stored, yet not covered, so the scrape
    // is not called fresh and the next one asks for the day again.
    auto [kept, lost] = run.day_rows[d];
    if (lost > 0 &&
        static_cast<double>(lost) / static_cast<double>(kept + lost) > options_.max_day_loss) {
      spdlog::info("scrape {}: {} lost {} of {} rows", run.city.id, d, lost, kept + lost);
      run.report.days_lossy.push_back(d);
      continue;
    }
    complete.push_back(d);
  }
  if (!complete.empty() && !stopping(run)) co_await cover_days(run, std::move(complete));
  if (hooks_.on_progress) hooks_.on_progress(progress);
}

asio::awaitable<void> Scraper::merge_rows(Run& run, const std::vector<ShowtimeRow>& rows) {
  auto batch = movies_of(run, rows);
  if (batch.empty()) co_return;
  auto city = run.city.id;
  auto now = run.now;
  auto owner = hooks_.owner;
  auto merge = [city, owner, batch = std::move(batch), now](ScrapeStore& s) {
    if (owner.empty()) return s.showtimes.merge_movies(city, batch, now);
    return s.showtimes.merge_movies_fenced(city, owner, batch, now);
  };
  auto stats = co_await store_.call(std::move(merge));
  run.report.progress.showtimes_added += stats.showtimes_added;
}

asio::awaitable<void> Scraper::cover_days(Run& run, std::vector<std::string> days) {
  auto city = run.city.id;
  auto now = run.now;
  auto owner = hooks_.owner;
  auto mark = [city, owner, days, now](ScrapeStore& s) {
    if (owner.empty()) {
      s.coverage.mark_covered(city, days, now);
    } else {
      s.coverage.mark_covered_fenced(city, owner, days, now);
    }
  };
  std::string mark_error;
  try {
    co_await store_.call(std::move(mark));
    run.covered.insert(run.covered.end(), days.begin(), days.end());
  } catch (const LockLost& e) {
    run.report.lock_lost = true;
    mark_error = e.what();
  } catch (const std::exception& e) {
    run.report.store_failed = true;
    mark_error = e.what();
  }
  if (!mark_error.empty()) {
    spdlog::warn("scrape {}: coverage not saved: {}", run.city.id, mark_error);
    run.report.error = "store: " + mark_error;
  }
}

asio::awaitable<bool> Scraper::showtimes_work(Run& run, const std::vector<std::string>& days,
                                              const std::vector<std::size_t>& cinemas,
                                              const std::vector<std::string>& movies, int depth) {
  auto& progress = run.report.progress;
  std::vector<std::string> cinema_names;
  for (auto i : cinemas)
    cinema_names.push_back(run.cinemas[i].name);
  gemini::CallResult result;
  bool failed = false;
  bool incomplete = false;  // rows are missing: store them, but leave the day for the next scrape
  try {
    auto request = showtimes_prompt(run.city, days, cinema_names, movies);
    result = co_await call(run, request);
    // An answer with no JSON, or JSON broken without being cut short (malformed), is asked once
    // more.
    auto malformed = [](const gemini::CallResult& r) {
      return !r.json || (r.json_repaired && r.response.finish_reason != "MAX_TOKENS");
    };
    if (malformed(result)) {
      auto again = co_await call(run, request);
      if (!malformed(again) || (again.json && !result.json)) result = std::move(again);
    }
    // Cut short by the output limit, even when what arrived parses cleanly, the tail is missing.
    incomplete = result.json_repaired || result.response.finish_reason == "MAX_TOKENS";
  } catch (const ScrapeStopped&) {
    run.report.stopped = true;
    failed = true;
  } catch (const BudgetExhausted& e) {
    run.report.budget_exhausted = true;
    if (run.report.error.empty()) run.report.error = e.what();
    failed = true;
  } catch (const std::exception& e) {
    spdlog::warn("scrape {}: showtimes of {} failed: {}", run.city.id, days.front(), e.what());
    if (run.report.error.empty()) run.report.error = e.what();
    failed = true;
  }
  // (co_await is not allowed inside a catch block)
  if (failed) co_return false;
  if (!result.json) {
    if (run.report.error.empty()) run.report.error = "an answer held no JSON";
    co_return false;
  }
  std::set<std::string> day_set(days.begin(), days.end());
  struct Parsed {
    std::vector<ShowtimeRow> rows;
    DropCounts drops;
    NameCounts names;
    std::vector<UnplacedName> unplaced;
    std::vector<LearnedName> variants;
  };
  auto parse = [&](const boost::json::value& answer) {
    Parsed p;
    p.rows = parse_showtimes(answer, run.cinema_index, run.movie_index, day_set, run.zone, p.drops,
                             &p.names, &p.unplaced, &p.variants);
    return p;
  };
  auto parsed = parse(*result.json);
  // Too many rows lost (names the resolver could not place): asked once more, the known names
  // listed as the only ones to use; the answer that lost less is kept.
  if (loss_of(parsed.drops, parsed.rows.size()) > options_.max_day_loss && !stopping(run)) {
    ++progress.units_reasked;
    std::optional<gemini::CallResult> again;
    try {
      auto request = showtimes_prompt(run.city, days, cinema_names, movies, true);
      again = co_await call(run, request);
    } catch (const ScrapeStopped&) {
      run.report.stopped = true;
    } catch (const BudgetExhausted& e) {
      run.report.budget_exhausted = true;
      if (run.report.error.empty()) run.report.error = e.what();
    } catch (const std::exception& e) {
      spdlog::warn("scrape {}: asking {} again failed: {}", run.city.id, days.front(), e.what());
    }
    if (again && again->json) {
      auto second = parse(*again->json);
      if (loss_of(second.drops, second.rows.size()) < loss_of(parsed.drops, parsed.rows.size())) {
        parsed = std::move(second);
        result = std::move(*again);
        incomplete = result.json_repaired || result.response.finish_reason == "MAX_TOKENS";
      }
    }
  }
  progress.dropped += parsed.drops;
  progress.names += parsed.names;
  for (const auto& u : parsed.unplaced) {
    auto it = std::find_if(run.unplaced.begin(), run.unplaced.end(),
                           [&](const UnplacedName& x) { return x.name == u.name; });
    if (it == run.unplaced.end()) {
      run.unplaced.push_back(u);  // copied: the held rows below are found by these names
    } else {
      it->rows += u.rows;
    }
  }
  for (auto& v : parsed.variants) {
    if (std::find(run.variants.begin(), run.variants.end(), v) == run.variants.end())
      run.variants.push_back(std::move(v));
  }
  if (!parsed.unplaced.empty()) {
    if (const auto* raw = answer_rows(*result.json)) {
      for (const auto& row : *raw) {
        const auto* o = row.if_object();
        const auto* name = o ? o->if_contains("cinema") : nullptr;
        if (!name || !name->is_string() || run.held.size() >= kMaxHeldRows) continue;
        auto cleaned = clean_text(name->as_string());
        bool unplaced = std::any_of(parsed.unplaced.begin(), parsed.unplaced.end(),
                                    [&](const UnplacedName& u) { return u.name == cleaned; });
        if (!unplaced) continue;
        bool ambiguous = run.cinema_index.resolve(cleaned).how == text::Resolution::How::ambiguous;
        run.held.push_back({row, days.front(), day_set, ambiguous});
      }
    }
  }
  for (const auto& r : parsed.rows)
    ++run.day_rows[r.day].first;
  // A lost row has no trustworthy day; it counts against the unit's first day (units ask one).
  run.day_rows[days.front()].second += static_cast<std::size_t>(parsed.drops.lost());
  auto& rows = parsed.rows;
  progress.model_rows += static_cast<int>(rows.size());
  // Rows outside the cinemas asked about in this unit are kept: they are real answers too.
  if (stopping(run)) co_return false;  // stopped while asking: write nothing more
  co_await merge_rows(run, rows);
  // Cut short: what arrived is stored; ask again for the rest in two smaller halves.
  bool split = result.response.finish_reason == "MAX_TOKENS" &&
               (cinemas.size() > 1 || days.size() > 1) && depth < options_.max_splits;
  spdlog::debug("scrape {}: showtimes {} x{} cinemas depth {}: finish {}, repaired {}, {} rows{}",
                run.city.id, days.front(), cinemas.size(), depth, result.response.finish_reason,
                result.json_repaired, rows.size(), split ? ", split" : "");
  if (split && !stopping(run)) {
    incomplete = false;  // the halves cover what is missing
    // A unit of several days is halved by days first (each half a shorter answer of the same
    // cinemas), a one-day unit by cinemas.
    std::vector<Run::Unit> halves;
    if (days.size() > 1) {
      auto mid = days.begin() + static_cast<std::ptrdiff_t>(days.size() / 2);
      halves.push_back({{days.begin(), mid}, cinemas, movies, depth + 1});
      halves.push_back({{mid, days.end()}, cinemas, movies, depth + 1});
    } else {
      auto mid = cinemas.begin() + static_cast<std::ptrdiff_t>(cinemas.size() / 2);
      halves.push_back({days, {cinemas.begin(), mid}, movies, depth + 1});
      halves.push_back({days, {mid, cinemas.end()}, movies, depth + 1});
    }
    for (auto& half : halves) {
      for (const auto& d : half.days)
        ++run.open_units[d];
      ++progress.units_total;
      // This lane is running, so it (or another) takes the halves before the group ends.
      run.queue.push_back(std::move(half));
    }
  }
  if (incomplete && run.report.error.empty()) run.report.error = "some answers were incomplete";
  co_return !incomplete;
}

// The rows as movies with their theaters, for a merge.
std::vector<Movie> Scraper::movies_of(const Run& run, const std::vector<ShowtimeRow>& rows) {
  std::map<std::string, Movie> by_title;
  for (const auto& r : rows) {
    const MovieInfo* info = r.movie ? &run.movies[*r.movie] : nullptr;
    std::string key = info ? info->title.in(Lang::en) : r.movie_title;
    auto& m = by_title[key];
    if (m.title.in(Lang::en).empty()) {
      if (info) {
        m.title = info->title;
        m.description = info->description;
        m.image_url = info->image_url;
      } else {
        m.title.en = r.movie_title;
      }
    }
    const auto& c = run.cinemas[r.cinema];
    auto t = std::find_if(m.theaters.begin(), m.theaters.end(),
                          [&](const Theater& th) { return th.name == c.name; });
    if (t == m.theaters.end()) {
      m.theaters.push_back(Theater{c.name, c.address, c.website, {}});
      t = std::prev(m.theaters.end());
    }
    t->showtimes.push_back(Showtime{r.start, r.format, r.language, r.hall});
  }
  std::vector<Movie> batch;
  for (auto& [k, m] : by_title)
    batch.push_back(std::move(m));
  return batch;
}

asio::awaitable<void> Scraper::place_unknown_names(Run& run) {
  auto& progress = run.report.progress;
  // The names behind the most rows first; the call stays small.
  std::sort(run.unplaced.begin(), run.unplaced.end(),
            [](const UnplacedName& a, const UnplacedName& b) { return a.rows > b.rows; });
  if (run.unplaced.size() > kMaxAskedNames) run.unplaced.resize(kMaxAskedNames);
  std::vector<std::string> names;
  for (const auto& u : run.unplaced)
    names.push_back(u.name);
  std::vector<std::pair<std::size_t, std::string>> known;
  for (std::size_t i = 0; i < run.cinemas.size(); ++i)
    known.emplace_back(i, run.cinemas[i].name);
  gemini::CallResult result;
  std::string failure;
  try {
    auto request = names_prompt(run.city, known, names);
    result = co_await call(run, request);
  } catch (const ScrapeStopped&) {
    run.report.stopped = true;
    failure = "stopped";
  } catch (const BudgetExhausted& e) {
    run.report.budget_exhausted = true;
    failure = e.what();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty() || !result.json) {
    // Asking is an extra: without an answer the rows stay dropped and counted as before.
    spdlog::warn("scrape {}: unknown names not placed: {}", run.city.id,
                 failure.empty() ? "no JSON" : failure);
    co_return;
  }
  progress.names.asked += static_cast<int>(names.size());
  std::set<std::string> invented;
  if (const auto* rows = answer_rows(*result.json)) {
    for (const auto& row : *rows) {
      const auto* o = row.if_object();
      if (!o) continue;
      const auto* n = o->if_contains("name");
      const auto* id = o->if_contains("id");
      if (!n || !n->is_string() || !id) continue;
      auto name = clean_text(n->as_string());
      // Only the names asked about: the answer cannot add names of its own.
      if (std::find(names.begin(), names.end(), name) == names.end()) continue;
      if (id->is_int64() && id->as_int64() >= 0 &&
          static_cast<std::size_t>(id->as_int64()) < known.size()) {
        auto at = static_cast<std::size_t>(id->as_int64());
        run.cinema_index.add(at, name);
        run.variants.push_back({false, name, at});
      } else if (id->is_string() && id->as_string() == "none") {
        invented.insert(name);
      } else if (id->is_string() && id->as_string() == "new") {
        const auto* a = o->if_contains("address");
        auto address = a && a->is_string() ? clean_text(a->as_string(), 300) : std::string();
        // A new cinema needs an address to be believed; a name alone is not enough.
        if (address.empty() || run.cinema_index.resolve(name, {address, {}}).id) continue;
        run.cinema_index.add(run.cinemas.size(), name, address);
        run.cinemas.push_back({name, address, ""});
      }
    }
  }
  // The held rows read again against the names now known.
  std::vector<ShowtimeRow> placed;
  for (const auto& h : run.held) {
    const auto& name = h.row.as_object().at("cinema").as_string();
    auto cleaned = clean_text(name);
    bool was_invented = invented.contains(cleaned);
    boost::json::array one{h.row};
    DropCounts drops;
    auto rows = was_invented ? std::vector<ShowtimeRow>{}
                             : parse_showtimes(one, run.cinema_index, run.movie_index, h.days,
                                               run.zone, drops);
    if (rows.empty() && !was_invented) continue;
    // No longer a lost row: placed after all, or an invented one.
    auto& reason =
        h.ambiguous ? progress.dropped.ambiguous_cinema : progress.dropped.unknown_cinema;
    if (reason > 0) --reason;
    if (run.day_rows[h.day].second > 0) --run.day_rows[h.day].second;
    if (was_invented) {
      ++progress.dropped.invented_cinema;
      continue;
    }
    ++progress.names.resolved;
    for (auto& r : rows) {
      ++run.day_rows[r.day].first;
      placed.push_back(std::move(r));
    }
  }
  run.held.clear();
  if (!placed.empty() && !stopping(run)) {
    std::string error;
    try {
      co_await merge_rows(run, placed);
    } catch (const LockLost& e) {
      run.report.lock_lost = true;
      error = e.what();
    } catch (const std::exception& e) {
      run.report.store_failed = true;
      error = e.what();
    }
    if (!error.empty()) {
      run.report.error = "store: " + error;
      co_return;
    }
  }
  // Days that were lossy only for want of these names are complete now.
  std::vector<std::string> now_complete, still_lossy;
  for (const auto& d : run.report.days_lossy) {
    auto [kept, lost] = run.day_rows[d];
    bool ok = lost == 0 ||
              static_cast<double>(lost) / static_cast<double>(kept + lost) <= options_.max_day_loss;
    (ok ? now_complete : still_lossy).push_back(d);
  }
  run.report.days_lossy = std::move(still_lossy);
  if (!now_complete.empty() && !stopping(run)) co_await cover_days(run, std::move(now_complete));
}

asio::awaitable<void> Scraper::read_sites(Run& run) {
  auto& progress = run.report.progress;
  auto& counts = progress.sites;
  auto& shared = sites_->shared();
  // Each website and the cinemas it is the site of: a chain's one website names no cinema alone.
  std::map<std::string, std::vector<std::size_t>> cinemas_at;
  for (std::size_t i = 0; i < run.cinemas.size(); ++i) {
    if (!run.cinemas[i].website.empty()) cinemas_at[run.cinemas[i].website].push_back(i);
  }
  std::vector<std::string> websites;
  for (const auto& [website, at] : cinemas_at) {
    if (shared.worth_reading(website)) {
      websites.push_back(website);
    } else {
      ++counts.skipped;
    }
  }
  if (websites.empty() || stopping(run)) co_return;
  progress.step = "sites";
  if (hooks_.on_progress) hooks_.on_progress(progress);
  auto readings = co_await sites_->read(websites);
  if (stopping(run)) co_return;
  std::set<std::string> asked(run.report.days_asked.begin(), run.report.days_asked.end());
  std::vector<ShowtimeRow> rows;
  // The same screening on two pages (the home page's today and the programme) is one row.
  std::set<std::tuple<std::size_t, std::string, std::int64_t>> seen;
  for (const auto& reading : readings) {
    ++counts.read;
    counts.pages += reading.fetched;
    counts.not_modified += reading.not_modified;
    const auto& at = cinemas_at[reading.website];
    SiteContext context{run.cinema_index,
                        at.size() == 1 ? std::optional<std::size_t>(at.front()) : std::nullopt,
                        asked, run.zone};
    DropCounts drops;
    std::vector<ShowtimeRow> mine;
    for (const auto& page : reading.pages) {
      auto got = site_rows(page, context, run.movies, run.movie_index, drops);
      for (auto& r : got.rows)
        mine.push_back(std::move(r));
    }
    auto outcome = reading.outcome;
    // Valid rows of the days asked make a site structured; a site that lost rows (a cinema not
    // placed, a broken time) may have lost a whole (cinema, day): its days stay the model's.
    if (outcome == SiteOutcome::structured && mine.empty()) outcome = SiteOutcome::none;
    if (outcome == SiteOutcome::structured && drops.lost() > 0) outcome = SiteOutcome::partial;
    shared.remember(reading.website, outcome);
    switch (outcome) {
      case SiteOutcome::structured:
        ++counts.structured;
        break;
      case SiteOutcome::partial:
        ++counts.partial;
        break;
      case SiteOutcome::none:
        ++counts.none;
        break;
      case SiteOutcome::failing:
        ++counts.failing;
        break;
      case SiteOutcome::disallowed:
        ++counts.disallowed;
        break;
    }
    for (auto& r : mine) {
      auto movie = r.movie ? std::to_string(*r.movie) : "?" + r.movie_title;
      if (!seen.emplace(r.cinema, std::move(movie), r.start.time_since_epoch().count()).second)
        continue;
      if (outcome == SiteOutcome::structured) run.site_covered[r.day].insert(r.cinema);
      ++run.day_rows[r.day].first;
      rows.push_back(std::move(r));
    }
  }
  counts.rows = static_cast<int>(rows.size());
  for (const auto& [day, cinemas] : run.site_covered)
    counts.cinema_days += static_cast<int>(cinemas.size());
  run.site_cinema_days = static_cast<std::size_t>(counts.cinema_days);
  run.site_rows = 0;
  for (const auto& r : rows) {
    auto day = run.site_covered.find(r.day);
    run.site_rows += day != run.site_covered.end() && day->second.contains(r.cinema) ? 1 : 0;
  }
  spdlog::info(
      "scrape {}: {} sites read ({} structured, {} partial, {} none, {} failing, {} closed), "
      "{} rows, {} cinema-days covered",
      run.city.id, counts.read, counts.structured, counts.partial, counts.none, counts.failing,
      counts.disallowed, counts.rows, counts.cinema_days);
  if (hooks_.on_progress) hooks_.on_progress(progress);
  if (!rows.empty() && !stopping(run)) co_await merge_rows(run, rows);
}

asio::awaitable<ScrapeReport> Scraper::run(const Location& city) {
  Run run(city, catalog_.zone(city));
  run.now = hooks_.now();
  run.all_done = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  auto& report = run.report;
  auto& progress = report.progress;
  auto today = local_date(run.zone, run.now);
  auto days = horizon(today, options_.horizon_days);
  std::string id = city.id;

  std::vector<std::string> covered;
  if (!options_.full_refresh) {
    auto query = [id, from = days.front(), to = days.back()](ScrapeStore& s) {
      return s.coverage.covered_days(id, from, to);
    };
    covered = co_await store_.call(std::move(query));
  }
  for (const auto& d : days) {
    if (std::find(covered.begin(), covered.end(), d) == covered.end())
      report.days_asked.push_back(d);
  }
  auto cleanup = [id, today, now = run.now](ScrapeStore& s) {
    s.showtimes.prune_before(id, now);
    s.coverage.prune_coverage(id, format_iso_date(today));
  };
  if (report.days_asked.empty()) {
    progress.step = "done";
    co_await store_.call(std::move(cleanup));
    co_return report;  // full coverage costs nothing
  }

  try {
    // (1) Cinemas: known ones are reused; otherwise asked for.
    if (options_.reuse_known && !options_.full_refresh) {
      auto query = [id](ScrapeStore& s) { return s.showtimes.theaters(id); };
      auto known = co_await store_.call(std::move(query));
      for (auto& t : known)
        run.cinemas.push_back({t.name, t.address, t.website});
    }
    if (run.cinemas.empty()) {
      progress.step = "cinemas";
      progress.units_total = 1;
      if (hooks_.on_progress) hooks_.on_progress(progress);
      // Named, not a temporary in the co_await expression (GCC 12, PR 100611).
      auto prompt = cinemas_prompt(city);
      auto res = co_await ask_list(run, prompt);
      // The same cinema listed twice under two spellings (attempts merged, or a model naming
      // it two ways) is one cinema: otherwise every row for it would be ambiguous.
      if (res.json)
        run.cinemas = merge_cinemas(parse_cinemas(*res.json, progress.dropped), run.places);
      ++progress.units_done;
    }
    if (run.cinemas.empty()) throw std::runtime_error("no cinemas found in " + city.name.en);
    for (std::size_t i = 0; i < run.cinemas.size(); ++i) {
      const auto& c = run.cinemas[i];
      run.cinema_index.add(i, c.name, c.address, c.website);
    }

    // (2) Movies: known titles are reused for a refresh of the by-day plan.
    if (options_.reuse_known && !options_.full_refresh && options_.plan == Plan::by_day) {
      auto from = run.now;
      auto to = run.now + std::chrono::days(options_.horizon_days);
      auto query = [id, from, to](ScrapeStore& s) {
        return s.showtimes.movies_between(id, from, to);
      };
      auto known = co_await store_.call(std::move(query));
      for (auto& m : known)
        run.movies.push_back({m.title, m.description, m.image_url});
    }
    auto index_movies = [&run] {
      for (std::size_t i = 0; i < run.movies.size(); ++i) {
        const auto& t = run.movies[i].title;
        for (const auto* s : {&t.en, &t.local, &t.ua, &t.ru}) {
          if (!s->empty()) run.movie_index.add(i, *s);
        }
      }
    };
    index_movies();
    // Spellings earlier scrapes (of any process) learned: matched directly from now on.
    auto learned = [id](ScrapeStore& s) {
      return std::make_pair(s.name_aliases.aliases(id, "cinema"),
                            s.name_aliases.aliases(id, "movie"));
    };
    auto aliases = co_await store_.call(std::move(learned));
    const auto& cinema_aliases = aliases.first;
    const auto& movie_aliases = aliases.second;
    for (const auto& a : cinema_aliases) {
      for (std::size_t i = 0; i < run.cinemas.size(); ++i) {
        if (run.cinemas[i].name == a.name) run.cinema_index.add(i, a.alias);
      }
    }
    auto add_movie_aliases = [&run, &movie_aliases] {
      for (const auto& a : movie_aliases) {
        for (std::size_t i = 0; i < run.movies.size(); ++i) {
          if (run.movies[i].title.in(Lang::en) == a.name) run.movie_index.add(i, a.alias);
        }
      }
    };
    add_movie_aliases();

    // (2b) The cinemas' own websites: what they publish is not asked of the model.
    if (sites_ && options_.read_sites && options_.plan == Plan::by_day) {
      bool knew_movies = !run.movies.empty();
      co_await read_sites(run);
      // The sites named the movies: the movies call is saved (the day answers bring the rest).
      if (!knew_movies && !run.movies.empty()) ++progress.sites.calls_saved;
    }
    if (run.movies.empty()) {
      progress.step = "movies";
      progress.units_total = 1;
      progress.units_done = 0;
      if (hooks_.on_progress) hooks_.on_progress(progress);
      std::vector<std::string> names;
      for (const auto& c : run.cinemas)
        names.push_back(c.name);
      auto prompt = movies_prompt(city, names);
      auto res = co_await ask_list(run, prompt);
      if (res.json) run.movies = parse_movies(*res.json, progress.dropped);
      progress.units_done = 1;
      index_movies();
      add_movie_aliases();
    }
  } catch (const BudgetExhausted& e) {
    report.budget_exhausted = true;
    report.error = e.what();
    progress.step = "done";
    co_return report;
  }

  // (3) Showtimes over the missing days.
  progress.step = "showtimes";
  progress.units_done = 0;
  progress.units_total = 0;
  std::vector<std::size_t> all_cinemas(run.cinemas.size());
  for (std::size_t i = 0; i < all_cinemas.size(); ++i)
    all_cinemas[i] = i;
  auto& units = run.queue;
  // How many (cinema, day) one call may ask for: a full-city day, as the model-only plan asks;
  // more when the sites showed how many rows a cinema's day has and they fit half the output.
  std::size_t unit_capacity = all_cinemas.size();
  if (run.site_cinema_days > 0) {
    constexpr double kTokensPerRow =
        40;  // one JSON row: movie, cinema, start, format, language, hall
    double density = static_cast<double>(run.site_rows) / static_cast<double>(run.site_cinema_days);
    double rows = kAnswerOutputTokens / 2.0 / kTokensPerRow;
    unit_capacity =
        std::max(unit_capacity, static_cast<std::size_t>(rows / std::max(1.0, density)));
  }
  std::vector<std::string> sites_days;  // every cinema's site covered them: no call
  for (const auto& d : report.days_asked) {
    if (options_.plan == Plan::by_day) {
      std::vector<std::size_t> left;
      auto covered_by_sites = run.site_covered.find(d);
      for (auto i : all_cinemas) {
        if (covered_by_sites == run.site_covered.end() || !covered_by_sites->second.contains(i))
          left.push_back(i);
      }
      if (left.empty()) {
        sites_days.push_back(d);
        continue;
      }
      // Days with the same cinemas left share a call (a week at most) while the answer stays
      // as short as a model-only unit's, or within half the output limit at the density the
      // sites showed (rows per cinema and day), whichever allows more.
      constexpr std::size_t kMaxDaysPerUnit = 7;
      if (!units.empty() && units.back().cinemas == left &&
          units.back().days.size() < kMaxDaysPerUnit &&
          (units.back().days.size() + 1) * left.size() <= unit_capacity) {
        units.back().days.push_back(d);
      } else {
        units.push_back({{d}, std::move(left), {}, 0});
      }
    } else {
      // The original: one question per movie per day, at most 20 cinemas named.
      std::vector<std::size_t> first(
          all_cinemas.begin(),
          all_cinemas.begin() + std::min<std::ptrdiff_t>(20, std::ssize(all_cinemas)));
      if (run.movies.empty()) units.push_back({{d}, first, {}, 0});
      for (const auto& m : run.movies)
        units.push_back({{d}, first, {m.title.in(Lang::en)}, 0});
    }
  }
  progress.units_total = static_cast<int>(units.size());
  if (!run.site_covered.empty()) {
    progress.sites.calls_saved +=
        static_cast<int>(report.days_asked.size()) - static_cast<int>(units.size());
  }
  if (hooks_.on_progress) hooks_.on_progress(progress);
  if (!sites_days.empty() && !stopping(run)) co_await cover_days(run, std::move(sites_days));
  // Count every unit's days first, so an early finisher cannot see its day complete too soon.
  for (const auto& u : units) {
    for (const auto& d : u.days)
      ++run.open_units[d];
  }
  // The units run as a group: a few lanes take them from the queue and every lane is awaited
  // below. Each unit records its failure (Gemini, store, lost lock) in the report; a unit taken
  // after the scrape stopped ends at once, without a call.
  auto ex = co_await asio::this_coro::executor;
  auto lanes = std::min<std::size_t>(std::max(1, options_.parallel_units), units.size());
  for (std::size_t i = 0; i < lanes; ++i) {
    ++run.pending;
    asio::co_spawn(ex, lane(run), [&run](std::exception_ptr e) {
      // showtimes_unit catches everything; an escape still fails the scrape, never vanishes.
      if (e) {
        run.report.store_failed = true;
        if (run.report.error.empty()) run.report.error = "a unit ended abnormally";
      }
      if (--run.pending == 0) run.all_done->cancel();
    });
  }
  while (run.pending > 0) {
    run.all_done->expires_after(24h);
    co_await run.all_done->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!run.unplaced.empty() && !stopping(run) && !report.budget_exhausted)
    co_await place_unknown_names(run);
  if (!report.lock_lost && !run.variants.empty()) {
    // Variants the resolver placed become aliases: the next scrape matches them exactly.
    std::vector<std::tuple<std::string, std::string, std::string>> learn;
    for (const auto& v : run.variants) {
      if (v.movie) {
        learn.emplace_back("movie", v.alias, run.movies[v.id].title.in(Lang::en));
      } else {
        learn.emplace_back("cinema", v.alias, run.cinemas[v.id].name);
      }
    }
    auto store_aliases = [id, learn = std::move(learn), now = run.now](ScrapeStore& s) {
      int changed = 0;
      for (const auto& [kind, alias, name] : learn)
        changed += s.name_aliases.learn_alias(id, kind, alias, name, now) ? 1 : 0;
      return changed;
    };
    try {
      progress.names.learned += co_await store_.call(std::move(store_aliases));
    } catch (const std::exception& e) {
      // Aliases only save work later: the scrape's outcome does not depend on them.
      spdlog::warn("scrape {}: aliases not stored: {}", run.city.id, e.what());
    }
  }
  if (!report.lock_lost) co_await store_.call(std::move(cleanup));
  std::sort(run.covered.begin(), run.covered.end());
  report.days_covered = run.covered;
  std::sort(report.days_lossy.begin(), report.days_lossy.end());
  if (!report.days_lossy.empty() && report.error.empty()) {
    report.error = fmt::format("{} day(s) lost more than {:.0f}% of their showtimes",
                               report.days_lossy.size(), options_.max_day_loss * 100);
  }
  bool failed = report.store_failed || report.lock_lost || report.stopped;
  if (report.days_covered.size() == report.days_asked.size() && !failed) report.error.clear();
  if (report.stopped && report.error.empty()) report.error = "the scrape was stopped";
  progress.step = "done";
  if (hooks_.on_progress) hooks_.on_progress(progress);
  co_return report;
}

}  // namespace cinestream::agent
