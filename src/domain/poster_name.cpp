#include "cinestream/domain/poster_name.hpp"

namespace cinestream {

bool is_poster_name(std::string_view name) {
  auto dot = name.find('.');
  if (dot != 64) return false;
  for (char c : name.substr(0, 64)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  auto ext = name.substr(65);
  return ext == "jpg" || ext == "png" || ext == "webp";
}

}  // namespace cinestream
