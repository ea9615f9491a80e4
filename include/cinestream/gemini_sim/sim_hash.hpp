#pragma once
// The stand-ins' deterministic randomness (Gemini's and TMDB's): everything they generate is a pure
// function of the seed and names, so every run, process and test sees the same world.
#include <cstdint>
#include <string_view>

namespace cinestream::gemini_sim::detail {

// SplitMix64's finaliser: a well-mixed 64-bit value from any input.
inline std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a of a text.
inline std::uint64_t hash_text(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace cinestream::gemini_sim::detail
