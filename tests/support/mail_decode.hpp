#pragma once
// Reading a received message back the way a mail client would: headers, RFC 2047 encoded words,
// a base64 body. Independent of src/mail's encoder, so a wrong encoding fails the tests.
#include <map>
#include <string>
#include <string_view>

namespace cinestream::testing {

inline std::string base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;  // line breaks and padding
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

struct ParsedMail {
  std::map<std::string, std::string> headers;  // unfolded values, by name as written
  std::string body;                            // raw, as after the blank line
};

inline ParsedMail parse_mail(std::string_view raw) {
  ParsedMail out;
  auto end = raw.find("\r\n\r\n");
  std::string_view head = raw.substr(0, end);
  out.body = end == std::string_view::npos ? "" : std::string(raw.substr(end + 4));
  std::string last;
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      out.headers[last] += std::string(line);  // folded continuation (keeps the space)
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    last = std::string(line.substr(0, colon));
    auto value = line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ')
      value.remove_prefix(1);
    out.headers[last] = std::string(value);
  }
  return out;
}

// "=?UTF-8?B?...?= =?UTF-8?B?...?=" (adjacent words joined, as RFC 2047 §6.2 says) or plain text.
inline std::string decode_words(std::string_view value) {
  std::string out;
  std::size_t pos = 0;
  bool last_was_word = false;
  while (pos < value.size()) {
    auto start = value.find("=?UTF-8?B?", pos);
    if (start == std::string_view::npos) {
      out += std::string(value.substr(pos));
      break;
    }
    auto between = value.substr(pos, start - pos);
    if (!(last_was_word && between.find_first_not_of(" \t") == std::string_view::npos))
      out += std::string(between);
    auto stop = value.find("?=", start + 10);
    if (stop == std::string_view::npos) return out + std::string(value.substr(start));
    out += base64_decode(value.substr(start + 10, stop - start - 10));
    pos = stop + 2;
    last_was_word = true;
  }
  return out;
}

}  // namespace cinestream::testing
