#pragma once
// Server-Sent Events framing for the Gemini stream (alt=sse): events end at a blank line ("\n\n" or
// "\r\n\r\n"); an event's `data:` lines are its JSON payload. A header of its own so the framing
// can be fuzzed (tests/fuzz) apart from the client.
#include <string>
#include <string_view>

namespace cinestream::gemini {

// Splits an SSE byte stream into the JSON payloads of its `data:` lines.
class SseParser {
 public:
  template <class F>
  void feed(std::string_view bytes, F&& on_event) {
    buffer_.append(bytes);
    for (;;) {
      auto end = buffer_.find("\n\n");
      auto crlf = buffer_.find("\r\n\r\n");
      std::size_t sep_len = 2;
      if (crlf != std::string::npos && (end == std::string::npos || crlf < end)) {
        end = crlf;
        sep_len = 4;
      }
      if (end == std::string::npos) return;
      std::string event = buffer_.substr(0, end);
      buffer_.erase(0, end + sep_len);
      std::string data;
      std::size_t pos = 0;
      while (pos <= event.size()) {
        auto nl = event.find('\n', pos);
        std::string_view line(event.data() + pos,
                              (nl == std::string::npos ? event.size() : nl) - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("data:")) {
          line.remove_prefix(5);
          if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
          data += line;
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      if (!data.empty()) on_event(data);
    }
  }

 private:
  std::string buffer_;
};

}  // namespace cinestream::gemini
