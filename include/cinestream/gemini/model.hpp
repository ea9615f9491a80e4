#pragma once
// What differs between Gemini models for us: whether grounding and a response schema may be sent
// in one call, and what a call costs.
#include <string>
#include <string_view>

namespace cinestream::gemini {

// US dollars. Defaults: public figures of late 2025 (shared/notes/gemini-api.md); configurable.
struct Prices {
  double input_per_million = 0.30;
  double output_per_million = 2.50;     // thinking tokens bill as output
  double per_grounded_request = 0.035;  // 2.5 and earlier: $35 per 1,000 grounded calls
  double per_search_query = 0.0;        // Gemini 3: $14 per 1,000 search queries instead
};

struct ModelInfo {
  std::string name;
  // Gemini 2.5 and earlier reject google_search together with a JSON mime type or schema (400).
  bool grounding_with_schema = false;
  bool thinks_by_default = false;
  Prices prices;
};

// Known families get their prices; unknown names are treated like 2.5 flash (the cautious case:
// no grounding+schema in one call).
ModelInfo model_info(std::string_view name);

}  // namespace cinestream::gemini
