#pragma once
// Getting JSON out of a model's text answer. Grounded calls on Gemini 2.5 cannot use a response
// schema, so the answer is prose that should contain JSON: it may be fenced in ```json, wrapped in
// sentences, or cut short by MAX_TOKENS.
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace cinestream::gemini {

struct ExtractedJson {
  boost::json::value value;
  // The text was cut short and the value keeps only the complete leading elements.
  bool repaired = false;
};

// The first JSON object or array in `text` (a fenced block preferred). A truncated array or object
// is closed after its last complete element. nullopt when nothing usable is there.
std::optional<ExtractedJson> extract_json(std::string_view text);

}  // namespace cinestream::gemini
