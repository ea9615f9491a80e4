#pragma once
// What the agent asks Gemini, step by step. Each prompt states the task in words and repeats it as
// JSON between <request> tags, so the answer can be checked against exactly what was asked.
// Web content is data: the system instruction says so, and nothing scraped is ever put into a
// prompt unfenced.
#include <string>
#include <vector>

#include "cinestream/domain/location.hpp"
#include "cinestream/gemini/protocol.hpp"

namespace cinestream::agent {

// The output limit of the grounded questions (cinemas, movies, showtimes): Gemini 2.5 Flash allows
// 65,536; this is room for a full day of a large city's showtimes.
inline constexpr int kAnswerOutputTokens = 16384;

gemini::GenerateRequest cinemas_prompt(const Location& city);
gemini::GenerateRequest movies_prompt(const Location& city,
                                      const std::vector<std::string>& cinemas);
// Showtimes of `days` (YYYY-MM-DD, local) at `cinemas`; `movies` empty means every movie.
// `exact_names`: the answer must name cinemas exactly as listed (asked again after a lossy one).
gemini::GenerateRequest showtimes_prompt(const Location& city, const std::vector<std::string>& days,
                                         const std::vector<std::string>& cinemas,
                                         const std::vector<std::string>& movies,
                                         bool exact_names = false);

// Names the showtime answers used that no known cinema matched, put to the model in one cheap
// ungrounded call: which known cinema (by id) each is, "new" (a real cinema not in the list, with
// its address) or "none".
gemini::GenerateRequest names_prompt(const Location& city,
                                     const std::vector<std::pair<std::size_t, std::string>>& known,
                                     const std::vector<std::string>& unknown);

}  // namespace cinestream::agent
