// robots.txt (agent/robots_txt) on arbitrary bytes: parsing and matching never crash or run away,
// and /robots.txt itself is always allowed.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "cinestream/agent/robots_txt.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  auto path = in.ConsumeRandomLengthString(512);
  auto body = in.ConsumeRemainingBytesAsString();
  auto robots = cinestream::agent::RobotsTxt::parse(body, "CineStreamBot");
  (void)robots.allowed(path);
  (void)robots.allowed("/" + path);
  FUZZ_CHECK(robots.allowed("/robots.txt"));
  return 0;
}
