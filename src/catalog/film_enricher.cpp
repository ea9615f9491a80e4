#include "cinestream/catalog/film_enricher.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cinestream::catalog {
namespace asio = boost::asio;

void CallBudget::expire(SysSeconds now) {
  while (!spent_.empty() && spent_.front().first + std::chrono::hours(1) <= now) {
    used_ -= spent_.front().second;
    spent_.pop_front();
  }
}

bool CallBudget::allows(SysSeconds now, int calls) {
  expire(now);
  return used_ + calls <= per_hour_;
}

void CallBudget::spend(SysSeconds now, std::int64_t calls) {
  if (calls <= 0) return;
  expire(now);
  used_ += calls;
  spent_.emplace_back(now, calls);
}

std::int64_t CallBudget::used(SysSeconds now) {
  expire(now);
  return used_;
}

FilmEnricher::FilmEnricher(Async<CatalogStore> store, MetadataProvider& provider,
                           EnricherOptions options, PosterDownload posters)
    : store_(store),
      provider_(provider),
      options_(std::move(options)),
      posters_(std::move(posters)),
      budget_(options_.budget_per_hour) {}

SysSeconds FilmEnricher::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::chrono::seconds FilmEnricher::backoff(int attempts) const {
  auto wait = options_.first_retry;
  for (int i = 1; i < attempts && wait < options_.max_retry; ++i)
    wait *= 2;
  return std::min(wait, options_.max_retry);
}

asio::awaitable<EnrichReport> FilmEnricher::enrich_due() {
  EnrichReport report;
  if (disabled_ || options_.budget_per_hour <= 0) {
    report.provider_disabled = disabled_;
    co_return report;
  }
  auto due_query = [at = now(), limit = options_.batch](CatalogStore& s) {
    return s.films->due_for_enrichment(at, limit);
  };
  auto due = co_await store_.call(due_query);
  for (auto& film : due) {
    if (!budget_.allows(now(), provider_.max_calls_per_lookup())) {
      ++budget_exhausted_;
      report.budget_exhausted = true;
      break;
    }
    auto before = provider_.calls_made();
    std::optional<FilmMetadata> found;
    std::optional<MetadataFailure> failure;
    std::string why;
    try {
      found = co_await provider_.lookup(film);
    } catch (const MetadataError& e) {
      failure = e.failure();
      why = e.what();
    } catch (const std::exception& e) {
      // A provider breaking its contract is treated as a passing failure, never a crash.
      failure = MetadataFailure::transient;
      why = e.what();
    }
    auto spent = provider_.calls_made() - before;
    budget_.spend(now(), spent);
    calls_ += spent;

    if (failure == MetadataFailure::provider) {
      disabled_ = true;
      report.provider_disabled = true;
      ++failed_;
      spdlog::error("catalog enricher: {} cannot work ({}); enrichment stops until a restart",
                    provider_.name(), why);
      break;
    }
    FilmEnrichment state;
    state.source = std::string(provider_.name());
    state.enriched_at = now();
    std::string poster_path;
    if (found) {
      state.status = EnrichStatus::enriched;
      if (!found->poster_url.empty() && posters_) {
        try {
          poster_path = (co_await posters_(found->poster_url)).value_or("");
        } catch (const std::exception& e) {
          spdlog::info("catalog enricher: poster of film {}: {}", film.id, e.what());
        }
        if (!poster_path.empty()) ++posters_stored_;
      }
    } else if (!failure) {
      state.status = EnrichStatus::not_found;
    } else if (failure == MetadataFailure::film) {
      state.status = EnrichStatus::failed;
      spdlog::info("catalog enricher: {} refused film {}: {}", provider_.name(), film.id, why);
    } else {
      state.attempts = film.enrichment.attempts + 1;
      state.status =
          state.attempts >= options_.max_attempts ? EnrichStatus::failed : EnrichStatus::retry;
      state.next_attempt_at = state.enriched_at + backoff(state.attempts);
      spdlog::warn("catalog enricher: film {} ({} of {} attempts): {}", film.id, state.attempts,
                   options_.max_attempts, why);
    }
    auto record = [id = film.id, found, poster_path, state](CatalogStore& s) {
      return s.films->record_enrichment(id, found ? &*found : nullptr, poster_path, state,
                                        state.enriched_at);
    };
    co_await store_.call(record);
    switch (state.status) {
      case EnrichStatus::enriched:
        ++enriched_;
        ++report.enriched;
        break;
      case EnrichStatus::not_found:
        ++not_found_;
        ++report.not_found;
        break;
      case EnrichStatus::retry:
        ++retries_;
        ++report.retry;
        break;
      default:
        ++failed_;
        ++report.failed;
        break;
    }
    // A struggling service is not pressed with the rest of the batch.
    if (failure == MetadataFailure::transient) break;
  }
  co_return report;
}

asio::awaitable<void> FilmEnricher::run() {
  spdlog::info("catalog enricher: {} within {} calls an hour", provider_.name(),
               options_.budget_per_hour);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool failing = false;
  while (!disabled_) {
    try {
      auto r = co_await enrich_due();
      if (r.enriched + r.not_found + r.failed + r.retry > 0)
        spdlog::info("catalog enricher: {} enriched, {} not found, {} to retry, {} failed",
                     r.enriched, r.not_found, r.retry, r.failed);
      if (failing) spdlog::info("catalog enricher: store reachable again");
      failing = false;
    } catch (const std::exception& e) {
      ++store_failures_;
      if (!failing) spdlog::warn("catalog enricher: {}", e.what());
      failing = true;
    }
    timer.expires_after(options_.interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

std::string FilmEnricher::render_metrics() const {
  return fmt::format(
      "# HELP cinestream_catalog_enrich_total Film metadata lookups, by outcome.\n"
      "# TYPE cinestream_catalog_enrich_total counter\n"
      "cinestream_catalog_enrich_total{{outcome=\"enriched\"}} {}\n"
      "cinestream_catalog_enrich_total{{outcome=\"not_found\"}} {}\n"
      "cinestream_catalog_enrich_total{{outcome=\"retry\"}} {}\n"
      "cinestream_catalog_enrich_total{{outcome=\"failed\"}} {}\n"
      "# HELP cinestream_catalog_enrich_budget_exhausted_total Passes cut short by the hourly "
      "budget.\n"
      "# TYPE cinestream_catalog_enrich_budget_exhausted_total counter\n"
      "cinestream_catalog_enrich_budget_exhausted_total {}\n"
      "# HELP cinestream_catalog_enrich_calls_total Calls made to the metadata provider.\n"
      "# TYPE cinestream_catalog_enrich_calls_total counter\n"
      "cinestream_catalog_enrich_calls_total {}\n"
      "# HELP cinestream_catalog_enrich_posters_total Posters stored by enrichment.\n"
      "# TYPE cinestream_catalog_enrich_posters_total counter\n"
      "cinestream_catalog_enrich_posters_total {}\n"
      "# HELP cinestream_catalog_enrich_store_failures_total Enricher passes the store failed.\n"
      "# TYPE cinestream_catalog_enrich_store_failures_total counter\n"
      "cinestream_catalog_enrich_store_failures_total {}\n"
      "# HELP cinestream_catalog_enrich_disabled 1 when the provider refused to work (e.g. its "
      "credential) and enrichment stopped.\n"
      "# TYPE cinestream_catalog_enrich_disabled gauge\n"
      "cinestream_catalog_enrich_disabled {}\n",
      enriched_.load(), not_found_.load(), retries_.load(), failed_.load(),
      budget_exhausted_.load(), calls_.load(), posters_stored_.load(), store_failures_.load(),
      disabled_.load() ? 1 : 0);
}

}  // namespace cinestream::catalog
