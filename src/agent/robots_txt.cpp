#include "cinestream/agent/robots_txt.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace cinestream::agent {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// %xx escapes compared case-insensitively (RFC 3986): both sides get upper-case hex digits.
std::string normalise_escapes(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] != '%') continue;
    for (std::size_t j = i + 1; j <= i + 2; ++j)
      out[j] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[j])));
  }
  return out;
}

// Longer patterns are ignored (no real site writes one); matching is pattern x path.
constexpr std::size_t kMaxPattern = 2048;

enum class Key { user_agent, allow, disallow, crawl_delay, other };

// Keys as written in the wild, typos included, as the widely used parsers accept them.
Key key_of(std::string_view raw) {
  auto k = lower(trim(raw));
  if (k == "user-agent" || k == "useragent" || k == "user agent") return Key::user_agent;
  if (k == "allow") return Key::allow;
  if (k == "disallow" || k == "dissallow" || k == "dissalow" || k == "disalow" || k == "diasllow" ||
      k == "disallaw")
    return Key::disallow;
  if (k == "crawl-delay" || k == "crawldelay") return Key::crawl_delay;
  return Key::other;
}

// Whether `path` starts with something `pattern` matches ("*" any run, "$" the end).
bool matches(std::string_view pattern, std::string_view path) {
  // Positions in `path` the pattern prefix can end at, kept sorted and unique: linear in both.
  std::vector<std::size_t> at{0};
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '$' && i + 1 == pattern.size())
      return std::find(at.begin(), at.end(), path.size()) != at.end();
    std::vector<std::size_t> next;
    if (c == '*') {
      // Every position from the smallest reachable one on.
      for (std::size_t p = at.front(); p <= path.size(); ++p)
        next.push_back(p);
    } else {
      for (auto p : at)
        if (p < path.size() && path[p] == c) next.push_back(p + 1);
    }
    if (next.empty()) return false;
    at = std::move(next);
  }
  return true;
}

}  // namespace

RobotsTxt RobotsTxt::parse(std::string_view body, std::string_view agent) {
  if (body.size() > kMaxBytes) body = body.substr(0, kMaxBytes);
  const auto token = lower(agent);
  struct Group {
    std::vector<std::string> agents;
    std::vector<Rule> rules;
    std::optional<std::chrono::milliseconds> delay;
  };
  std::vector<Group> groups;
  bool in_agents = false;  // the previous record was a user-agent line
  while (!body.empty()) {
    auto eol = body.find_first_of("\r\n");
    auto line = body.substr(0, eol);
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = key_of(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    switch (key) {
      case Key::user_agent: {
        if (!in_agents) groups.emplace_back();
        in_agents = true;
        // The product token: the value up to the first character that cannot be in one.
        auto end = value.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*");
        groups.back().agents.push_back(lower(value.substr(0, end)));
        break;
      }
      case Key::allow:
      case Key::disallow:
        in_agents = false;
        if (groups.empty()) break;  // rules before any user-agent line belong to no group
        if (value.empty()) break;   // "Disallow:" with nothing: no restriction
        if (value.size() > kMaxPattern) break;  // keeps matching linear in practice
        groups.back().rules.push_back({normalise_escapes(value), key == Key::allow});
        break;
      case Key::crawl_delay: {
        in_agents = false;
        if (groups.empty()) break;
        double seconds = 0;
        std::string text(value);
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        (void)p;
        if (ec == std::errc() && std::isfinite(seconds) && seconds >= 0 && seconds <= 3600)
          groups.back().delay =
              std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
        break;
      }
      case Key::other:
        in_agents = false;  // e.g. Sitemap: does not end a group's rules, nor start one
        break;
    }
  }
  RobotsTxt out;
  auto take = [&out](const Group& g) {
    out.rules_.insert(out.rules_.end(), g.rules.begin(), g.rules.end());
    if (g.delay && (!out.crawl_delay_ || *g.delay > *out.crawl_delay_)) out.crawl_delay_ = g.delay;
  };
  bool specific = false;
  for (const auto& g : groups)
    if (std::find(g.agents.begin(), g.agents.end(), token) != g.agents.end()) {
      take(g);
      specific = true;
    }
  if (!specific)
    for (const auto& g : groups)
      if (std::find(g.agents.begin(), g.agents.end(), "*") != g.agents.end()) take(g);
  return out;
}

RobotsTxt RobotsTxt::for_failed_fetch(int http_status) {
  RobotsTxt out;
  if (http_status >= 400 && http_status < 500) return out;
  out.disallow_all_ = true;
  return out;
}

bool RobotsTxt::allowed(std::string_view path) const {
  if (path.empty()) path = "/";
  if (path == "/robots.txt") return true;
  if (disallow_all_) return false;
  auto normal = normalise_escapes(path);
  std::size_t best = 0;
  bool verdict = true, found = false;
  for (const auto& r : rules_) {
    if (!matches(r.pattern, normal)) continue;
    auto length = r.pattern.size();
    if (!found || length > best) {
      verdict = r.allow;
      best = length;
      found = true;
    } else if (length == best && r.allow) {
      verdict = true;
    }
  }
  return verdict;
}

}  // namespace cinestream::agent
