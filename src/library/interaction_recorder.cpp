#include "cinestream/library/interaction_recorder.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <span>
#include <utility>

namespace cinestream::library {
namespace {

// At most `limit` bytes, never cutting a UTF-8 character.
std::string_view utf8_prefix(std::string_view s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;
  return s.substr(0, cut);
}

SysSeconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

bool parse_activity_kind(std::string_view s, ActivityKind& out) {
  for (auto k : {ActivityKind::viewed_details, ActivityKind::opened_showtimes,
                 ActivityKind::exported_calendar, ActivityKind::searched}) {
    if (to_string(k) == s) {
      out = k;
      return true;
    }
  }
  return false;
}

void InteractionRecorder::note(const ActivityNote& n) noexcept {
  try {
    Interaction i{.user_id = std::string(n.user_id),
                  .kind = n.kind,
                  .film_id = n.film_id,
                  .detail = std::string(utf8_prefix(n.detail, kMaxInteractionDetailBytes)),
                  .at = now_seconds()};
    std::lock_guard lock(mutex_);
    if (pending_.size() >= options_.max_pending) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pending_.push_back(std::move(i));
  } catch (...) {
    // Out of memory while noting: an interaction is not worth failing the request for.
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::size_t InteractionRecorder::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::vector<Interaction> InteractionRecorder::take() {
  std::lock_guard lock(mutex_);
  std::vector<Interaction> out;
  out.swap(pending_);
  return out;
}

void InteractionRecorder::put_back(std::vector<Interaction> batch) {
  std::lock_guard lock(mutex_);
  // Older first; what no longer fits is dropped (the newest notes keep their place).
  std::size_t room =
      options_.max_pending > pending_.size() ? options_.max_pending - pending_.size() : 0;
  if (batch.size() > room) {
    dropped_.fetch_add(static_cast<std::int64_t>(batch.size() - room), std::memory_order_relaxed);
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(batch.size() - room));
  }
  pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
}

boost::asio::awaitable<void> InteractionRecorder::flush(Async<InteractionRepository> store) {
  auto all = take();
  std::size_t done = 0;
  try {
    while (done < all.size()) {
      std::size_t n = std::min(options_.batch, all.size() - done);
      std::span<const Interaction> batch(all.data() + done, n);
      auto write = [batch](InteractionRepository& r) { r.append(batch); };
      co_await store.call(write);
      done += n;
      written_.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
    }
  } catch (const std::exception& e) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("interactions: flush failed, will retry: {}", e.what());
    all.erase(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(done));
    put_back(std::move(all));
    co_return;
  }
  auto now = std::chrono::steady_clock::now();
  if (last_prune_ == std::chrono::steady_clock::time_point{} ||
      now - last_prune_ >= options_.prune_every) {
    last_prune_ = now;
    auto cutoff =
        now_seconds() - std::chrono::duration_cast<std::chrono::seconds>(options_.retention);
    try {
      auto prune = [cutoff](InteractionRepository& r) { return r.prune(cutoff); };
      pruned_.fetch_add(co_await store.call(prune), std::memory_order_relaxed);
    } catch (const std::exception& e) {
      spdlog::warn("interactions: pruning failed: {}", e.what());
    }
  }
}

void InteractionRecorder::flush_blocking(InteractionRepository& store) {
  auto all = take();
  if (all.empty()) return;
  try {
    store.append(all);
    written_.fetch_add(static_cast<std::int64_t>(all.size()), std::memory_order_relaxed);
  } catch (const std::exception& e) {
    spdlog::error("interactions: {} not saved at shutdown: {}", all.size(), e.what());
  }
}

boost::asio::awaitable<void> InteractionRecorder::run(Async<InteractionRepository> store,
                                                      std::chrono::milliseconds interval) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) co_return;
    co_await flush(store);
  }
}

std::string InteractionRecorder::render_metrics() const {
  std::string out;
  out += "# HELP cinestream_interactions_pending Implicit interactions noted, not yet written.\n";
  out += "# TYPE cinestream_interactions_pending gauge\n";
  out += fmt::format("cinestream_interactions_pending {}\n", pending());
  out += "# HELP cinestream_interactions_total Implicit interactions by outcome.\n";
  out += "# TYPE cinestream_interactions_total counter\n";
  out += fmt::format("cinestream_interactions_total{{outcome=\"written\"}} {}\n", written());
  out += fmt::format("cinestream_interactions_total{{outcome=\"dropped\"}} {}\n", dropped());
  out += fmt::format("cinestream_interactions_total{{outcome=\"pruned\"}} {}\n",
                     pruned_.load(std::memory_order_relaxed));
  out += "# HELP cinestream_interaction_flush_failures_total Flushes the store refused.\n";
  out += "# TYPE cinestream_interaction_flush_failures_total counter\n";
  out += fmt::format("cinestream_interaction_flush_failures_total {}\n",
                     failures_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace cinestream::library
