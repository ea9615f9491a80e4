#pragma once
// Posters are stored content-addressed: the file name is the SHA-256 of the bytes in lower-case
// hex and the image type's extension. Only such names are ever served or written.
#include <string_view>

namespace cinestream {

// "ab12...ef.png" names we serve: 64 hex digits and a known extension.
bool is_poster_name(std::string_view name);

}  // namespace cinestream
