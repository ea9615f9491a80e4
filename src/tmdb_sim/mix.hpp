#pragma once
// The stand-in's deterministic randomness: everything it makes up is a function of the seed, with
// the same mixing as the Gemini stand-in whose world it shares.
#include "cinestream/gemini_sim/sim_hash.hpp"

namespace cinestream::tmdb_sim {

using gemini_sim::detail::hash_text;
using gemini_sim::detail::splitmix;

}  // namespace cinestream::tmdb_sim
