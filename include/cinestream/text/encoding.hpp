#pragma once
// Byte encodings shared by the modules that sign, hash or name things: base64url (RFC 4648 §5,
// no padding; JWTs, tokens, signed cookies) and lower-case hex (ids, digests).
#include <span>
#include <string>
#include <string_view>

namespace cinestream::text {

std::string base64url_encode(std::string_view data);
// False when `text` is not canonical unpadded base64url (bad character, impossible length, or
// non-zero leftover bits, so that one value has exactly one text).
bool base64url_decode(std::string_view text, std::string& out);

std::string hex_encode(std::span<const unsigned char> bytes);
inline std::string hex_encode(std::string_view bytes) {
  return hex_encode({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
}

}  // namespace cinestream::text
