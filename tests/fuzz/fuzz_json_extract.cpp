// Getting JSON out of a model's text. Invariants: whatever comes out is an object or an array; a
// text that is exactly a JSON object/array gives that value back unrepaired, also when fenced and
// wrapped in prose; a cut-short value gives back a repaired object/array or nothing.
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "cinestream/gemini/json_extract.hpp"
#include "fuzz_check.hpp"

namespace {
namespace json = boost::json;
using cinestream::gemini::extract_json;

void check_shape(const std::optional<cinestream::gemini::ExtractedJson>& r) {
  if (r) FUZZ_CHECK(r->value.is_object() || r->value.is_array());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_shape(extract_json(text));

  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !(v.is_object() || v.is_array())) return 0;
  auto s = json::serialize(v);
  // Compared with what `s` parses to: Boost.JSON 1.81 may read a huge number back one ULP off.
  auto expected = json::parse(s);

  auto plain = extract_json(s);
  FUZZ_CHECK(plain.has_value());
  FUZZ_CHECK(!plain->repaired);
  FUZZ_CHECK(plain->value == expected);

  auto as_sent = extract_json(text);  // the original spelling (whitespace, escapes) too
  FUZZ_CHECK(as_sent.has_value());
  FUZZ_CHECK(as_sent->value == v);

  // A fence inside a string value is the model's data, not a fence; only then may a fenced
  // answer differ from what it fences.
  if (s.find("```") == std::string::npos) {
    auto fenced = extract_json("Here are the results:\n```json\n" + s + "\n```\nHope this helps.");
    FUZZ_CHECK(fenced.has_value());
    FUZZ_CHECK(fenced->value == expected);
    auto prose = extract_json("Sure. " + s + " These are all.");
    FUZZ_CHECK(prose.has_value());
    FUZZ_CHECK(prose->value == expected);
  }

  // Cut short (MAX_TOKENS): never a scalar, never the whole value claimed unrepaired.
  for (std::size_t cut : {s.size() / 3, s.size() / 2, s.size() - 1}) {
    if (cut == 0 || cut >= s.size()) continue;
    auto r = extract_json(std::string_view(s).substr(0, cut));
    check_shape(r);
  }
  return 0;
}
