#include "cinestream/gemini/model.hpp"

namespace cinestream::gemini {

ModelInfo model_info(std::string_view name) {
  ModelInfo m;
  m.name = std::string(name);
  const bool v3 = name.starts_with("gemini-3");
  m.grounding_with_schema = v3;
  m.thinks_by_default = name.starts_with("gemini-2.5") || v3;
  if (name.find("flash-lite") != std::string_view::npos) {
    m.prices.input_per_million = 0.10;
    m.prices.output_per_million = 0.40;
    m.thinks_by_default = false;
  } else if (name.find("pro") != std::string_view::npos) {
    m.prices.input_per_million = 1.25;
    m.prices.output_per_million = 10.00;
  }
  if (v3) {
    m.prices.per_grounded_request = 0.0;
    m.prices.per_search_query = 0.014;
  }
  return m;
}

}  // namespace cinestream::gemini
