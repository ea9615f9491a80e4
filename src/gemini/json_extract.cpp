#include "cinestream/gemini/json_extract.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace cinestream::gemini {
namespace {

std::optional<boost::json::value> try_parse(std::string_view s) {
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  if (ec || !(v.is_object() || v.is_array())) return std::nullopt;
  return v;
}

// Scans a JSON text from `start` (at '{' or '['). Returns the end of the complete value, or, when
// the text ends first, the candidate cut points: positions right after each complete element of
// an open container together with the closers needed there.
struct Cut {
  std::size_t at;       // keep the text before this position
  std::string closers;  // then close the open containers
  bool in_array;        // the innermost open container is an array: no half element is kept
};
struct Scan {
  std::size_t end = std::string_view::npos;  // one past the value when complete
  std::vector<Cut> cuts;
};

Scan scan_value(std::string_view s, std::size_t start) {
  Scan out;
  std::string stack;  // open containers, as their closing characters
  bool in_string = false, escape = false;
  for (std::size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
        stack.push_back('}');
        break;
      case '[':
        stack.push_back(']');
        break;
      case '}':
      case ']':
        if (stack.empty() || stack.back() != c) return out;  // not JSON after all
        stack.pop_back();
        if (stack.empty()) {
          out.end = i + 1;
          return out;
        }
        // After a closed element inside a container: a valid place to cut.
        out.cuts.push_back({i + 1, std::string(stack.rbegin(), stack.rend()), stack.back() == ']'});
        break;
      case ',':
        // Before a comma the previous element is complete (scalars included).
        if (!stack.empty()) {
          out.cuts.push_back({i, std::string(stack.rbegin(), stack.rend()), stack.back() == ']'});
        }
        break;
      default:
        break;
    }
  }
  return out;
}

std::optional<ExtractedJson> from(std::string_view s) {
  for (std::size_t pos = s.find_first_of("{["); pos != std::string_view::npos;
       pos = s.find_first_of("{[", pos + 1)) {
    auto scan = scan_value(s, pos);
    if (scan.end != std::string_view::npos) {
      if (auto v = try_parse(s.substr(pos, scan.end - pos))) return ExtractedJson{*v, false};
      continue;
    }
    // Truncated: close it at the latest cut that parses, preferring cuts between array elements
    // (a showtime cut in half is dropped whole rather than kept without its time).
    for (bool array_only : {true, false}) {
      for (auto it = scan.cuts.rbegin(); it != scan.cuts.rend(); ++it) {
        if (array_only && !it->in_array) continue;
        std::string candidate(s.substr(pos, it->at - pos));
        candidate += it->closers;
        if (auto v = try_parse(candidate)) return ExtractedJson{*v, true};
      }
    }
    return std::nullopt;  // the first JSON-looking start decides; prose braces come later rarely
  }
  return std::nullopt;
}

}  // namespace

std::optional<ExtractedJson> extract_json(std::string_view text) {
  // An answer that is JSON and nothing else is taken whole: a fence inside one of its strings is
  // data, not a fence (found by tests/fuzz/fuzz_json_extract).
  if (auto v = try_parse(text)) return ExtractedJson{*v, false};
  // Else a fenced block wins: the model's own marking of where the data is.
  for (std::string_view fence : {"```json", "```JSON", "```"}) {
    auto open = text.find(fence);
    if (open == std::string_view::npos) continue;
    auto body_start = open + fence.size();
    auto close = text.find("```", body_start);
    auto body = text.substr(
        body_start, close == std::string_view::npos ? std::string_view::npos : close - body_start);
    if (auto v = from(body)) return v;
  }
  return from(text);
}

}  // namespace cinestream::gemini
