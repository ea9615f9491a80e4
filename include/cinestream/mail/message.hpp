#pragma once
// One email as a feature hands it to the outbox: already rendered in the recipient's language.
#include <stdexcept>
#include <string>

namespace cinestream::mail {

struct Message {
  std::string to;         // one address
  std::string subject;    // UTF-8
  std::string text_body;  // UTF-8 plain text
  std::string kind;       // for metrics and logs: "verify_email", "password_reset", ...
};

// A message that must not be sent as it is: a CR or LF in the address or subject would let its
// text add headers or recipients (header injection), or the address is not one address.
class InvalidMessage : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Throws InvalidMessage; enqueue and the sender both call it.
void check(const Message& m);

}  // namespace cinestream::mail
