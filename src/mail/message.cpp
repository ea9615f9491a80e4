#include "cinestream/mail/message.hpp"

#include <algorithm>

namespace cinestream::mail {

void check(const Message& m) {
  auto has_line_break = [](const std::string& s) {
    return s.find_first_of("\r\n") != std::string::npos;
  };
  if (has_line_break(m.to) || has_line_break(m.subject))
    throw InvalidMessage("a line break in the recipient or subject");
  if (m.subject.find('\0') != std::string::npos || m.text_body.find('\0') != std::string::npos)
    throw InvalidMessage("a NUL byte in the message");
  // One plain address: no display name, list or angle brackets (the envelope takes it as it is).
  auto at = m.to.find('@');
  bool bad_char = std::any_of(m.to.begin(), m.to.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == ',' || c == '<' || c == '>' || c == ';' || c == '"';
  });
  if (at == std::string::npos || at == 0 || at + 1 == m.to.size() || bad_char || m.to.size() > 254)
    throw InvalidMessage("the recipient is not one email address");
}

}  // namespace cinestream::mail
