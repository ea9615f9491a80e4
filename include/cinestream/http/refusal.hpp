#pragma once
// A request a route refuses with its HTTP meaning: the handler throws a Refusal and guarded()
// answers with the JSON error body, so every feature's routes refuse the same way.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "cinestream/http/middleware.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::http {

struct Refusal {
  Status status = Status::bad_request;
  std::string code;
  std::string message;
};

inline Refusal bad_request(std::string code, std::string message) {
  return {Status::bad_request, std::move(code), std::move(message)};
}

using Step = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

// The handler that runs `step` and turns a thrown Refusal into its JSON error; anything else
// goes on to the router's error table.
Handler guarded(Step step);

}  // namespace cinestream::http
