// The Gemini answer as it arrives: the SSE framing of a stream, the response document and the
// error document. Invariants: SSE framing does not depend on how the bytes were split into reads;
// a streamed answer's text is the concatenation of its chunks; error_body/parse_error round-trip;
// a retry delay is within its documented bounds.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cinestream/gemini/protocol.hpp"
#include "cinestream/gemini/sse_parser.hpp"
#include "fuzz_check.hpp"

namespace {
namespace gemini = cinestream::gemini;
namespace json = boost::json;

std::vector<std::string> sse_events(const std::string& stream,
                                    const std::vector<std::size_t>& cuts) {
  gemini::SseParser parser;
  std::vector<std::string> events;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    if (cut < at || cut > stream.size()) continue;
    parser.feed(std::string_view(stream).substr(at, cut - at),
                [&](const std::string& d) { events.push_back(d); });
    at = cut;
  }
  parser.feed(std::string_view(stream).substr(at),
              [&](const std::string& d) { events.push_back(d); });
  return events;
}

void check_response(const json::value& v) {
  gemini::GenerateResponse r;
  try {
    r = gemini::parse_response(v);
  } catch (const std::invalid_argument&) {
    return;  // documented: not a Gemini response
  }
  // Streamed: chunks fold into one answer whose text is theirs in order.
  gemini::GenerateResponse folded;
  gemini::merge_stream_chunk(folded, r);
  gemini::merge_stream_chunk(folded, r);
  FUZZ_CHECK(folded.text == r.text + r.text);
  if (!r.finish_reason.empty()) FUZZ_CHECK(folded.finish_reason == r.finish_reason);
  if (!r.response_id.empty()) FUZZ_CHECK(folded.response_id == r.response_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: {  // a stream: the same events whole or split at arbitrary read boundaries
      std::vector<std::size_t> cuts;
      auto n = in.ConsumeIntegralInRange<int>(0, 8);
      for (int i = 0; i < n; ++i)
        cuts.push_back(in.ConsumeIntegralInRange<std::size_t>(0, 4096));
      std::sort(cuts.begin(), cuts.end());
      auto stream = in.ConsumeRemainingBytesAsString();
      auto whole = sse_events(stream, {});
      FUZZ_CHECK(sse_events(stream, cuts) == whole);
      // One byte at a time, as a slow network delivers it.
      std::vector<std::size_t> bytewise;
      for (std::size_t i = 1; i < stream.size() && i < 512; ++i)
        bytewise.push_back(i);
      FUZZ_CHECK(sse_events(stream, bytewise) == whole);
      for (const auto& e : whole) {
        FUZZ_CHECK(!e.empty());
        boost::system::error_code ec;
        auto v = json::parse(e, ec);
        if (!ec) check_response(v);
      }
      break;
    }
    case 1: {  // a response document
      auto body = in.ConsumeRemainingBytesAsString();
      boost::system::error_code ec;
      auto v = json::parse(body, ec);
      if (!ec) check_response(v);
      break;
    }
    case 2: {  // an error document, and the durations inside it
      auto body = in.ConsumeRemainingBytesAsString();
      if (auto err = gemini::parse_error(body); err && err->retry_delay) {
        FUZZ_CHECK(err->retry_delay->count() >= 0 && err->retry_delay->count() <= 86'400'000);
      }
      if (auto d = gemini::parse_duration(body)) {
        FUZZ_CHECK(d->count() >= 0 && d->count() <= 86'400'000);
      }
      break;
    }
    default: {  // what the stand-in sends, the client reads back unchanged
      auto code = in.ConsumeIntegralInRange<int>(100, 599);
      auto status = cinestream::fuzz::ascii(in.ConsumeRandomLengthString(40));
      auto message = cinestream::fuzz::ascii(in.ConsumeRandomLengthString(200));
      auto reason = cinestream::fuzz::ascii(in.ConsumeRandomLengthString(40));
      std::optional<std::chrono::milliseconds> delay;
      if (in.ConsumeBool()) {
        delay = std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int64_t>(0, 86'400'000));
      }
      auto body = gemini::error_body(code, status, message, reason, delay);
      auto err = gemini::parse_error(body);
      FUZZ_CHECK(err.has_value());
      FUZZ_CHECK(err->code == code);
      FUZZ_CHECK(err->status == status);
      FUZZ_CHECK(err->message == message);
      FUZZ_CHECK(err->reason == reason);
      FUZZ_CHECK(err->retry_delay == delay);
      break;
    }
  }
  return 0;
}
