#pragma once
// `.env` files as the original uses them: KEY=VALUE lines, `#` comments, optional `export`,
// single or double quotes.
#include <map>
#include <string>
#include <string_view>

namespace cinestream {

// Throws std::invalid_argument with the line number on a line that is not KEY=VALUE.
std::map<std::string, std::string> parse_dotenv(std::string_view text);

}  // namespace cinestream
