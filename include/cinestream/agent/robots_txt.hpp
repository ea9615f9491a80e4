#pragma once
// A cinema site's robots.txt as RFC 9309 reads it, for the site reader: the groups for our
// product token (case-insensitive; several matching groups combine), else those for "*", else
// everything allowed; allow/disallow patterns with "*" and a "$" end anchor, the longest match
// winning and allow winning a tie; /robots.txt itself always allowed; the first 500 KiB parsed.
// Crawl-delay (not in the RFC, still widely written) is kept for the matched group.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinestream::agent {

class RobotsTxt {
 public:
  // The rules in `body` for the crawler whose product token is `agent` (e.g. "CineStreamBot").
  static RobotsTxt parse(std::string_view body, std::string_view agent);
  // What a fetch that did not give a robots.txt means (RFC 9309 2.3.1): 4xx "unavailable", crawl
  // anything; 5xx or no answer at all "unreachable", crawl nothing.
  static RobotsTxt for_failed_fetch(int http_status);
  static RobotsTxt allow_all() { return RobotsTxt{}; }

  // Whether the path (with its query, e.g. "/schedule?day=2") may be fetched.
  bool allowed(std::string_view path) const;
  std::optional<std::chrono::milliseconds> crawl_delay() const { return crawl_delay_; }
  bool disallows_everything() const { return disallow_all_; }

  static constexpr std::size_t kMaxBytes = 500 * 1024;

 private:
  struct Rule {
    std::string pattern;  // as written, with %XX upper-cased
    bool allow = false;
  };
  std::vector<Rule> rules_;
  std::optional<std::chrono::milliseconds> crawl_delay_;
  bool disallow_all_ = false;
};

}  // namespace cinestream::agent
