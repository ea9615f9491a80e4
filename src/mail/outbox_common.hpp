#pragma once
// What the outbox's two backends share: times as milliseconds since the epoch (one comparable
// integer on both), status names.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "cinestream/mail/outbox.hpp"

namespace cinestream::mail {

inline std::int64_t to_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline Clock::time_point from_ms(std::int64_t ms) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}
std::optional<OutboxStatus> parse_status(std::string_view s);

std::unique_ptr<OutboxRepository> make_sqlite_outbox_repository(sqlite::ConnectionPool& pool);
std::unique_ptr<OutboxRepository> make_mongo_outbox_repository(mongo::ClientPool& pool);

inline constexpr const char* kCollection = "mail_outbox";

}  // namespace cinestream::mail
