#include "cinestream/http/event_stream.hpp"

#include <string>

namespace cinestream::http {

boost::asio::awaitable<bool> EventSink::event(std::string_view name, std::string_view data) {
  std::string frame;
  frame.reserve(name.size() + data.size() + 16);
  frame += "event: ";
  frame += name;
  frame += "\ndata: ";
  // A newline inside data would end the field: each line gets its own data: prefix.
  for (char c : data) {
    if (c == '\n') {
      frame += "\ndata: ";
    } else if (c != '\r') {
      frame.push_back(c);
    }
  }
  frame += "\n\n";
  co_return co_await send(frame);
}

}  // namespace cinestream::http
