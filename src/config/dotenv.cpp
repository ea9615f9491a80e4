#include "cinestream/config/dotenv.hpp"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

namespace cinestream {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  if (k.empty() || std::isdigit(static_cast<unsigned char>(k.front()))) return false;
  for (char c : k) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      throw std::invalid_argument(fmt::format("line {}: expected KEY=VALUE", line_no));
    }
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (!valid_key(key)) {
      throw std::invalid_argument(fmt::format("line {}: invalid variable name", line_no));
    }
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      char q = value.front();
      auto close = value.find(q, 1);
      if (close == std::string_view::npos) {
        throw std::invalid_argument(fmt::format("line {}: unterminated quote", line_no));
      }
      value = value.substr(1, close - 1);
    } else if (auto hash = value.find(" #"); hash != std::string_view::npos) {
      value = trim(value.substr(0, hash));  // inline comment after an unquoted value
    }
    out[std::string(key)] = std::string(value);
  }
  return out;
}

}  // namespace cinestream
