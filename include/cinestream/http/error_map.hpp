#pragma once
// Domain errors -> HTTP answers, registered by the modules that throw them (the store registers
// StoreUnavailable, the runtime PoolOverloaded) so the HTTP layer needs none of their headers.
// An exception a handler or middleware lets out is looked up here (the first registration it
// is an instance of wins, so register a derived type before its base); one that is not
// registered is a 500 internal_error. Either way the server logs it once with the request id.
#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include "cinestream/http/response.hpp"

namespace cinestream::http {

struct ErrorMapping {
  Status status = Status::internal_server_error;
  std::string code;
  std::string message;
  std::chrono::seconds retry_after{0};  // 0: no Retry-After header
};

class ErrorMap {
 public:
  template <class E>
  void register_error(Status status, std::string code, std::string message,
                      std::chrono::seconds retry_after = std::chrono::seconds(0)) {
    entries_.push_back({&is_a<E>, {status, std::move(code), std::move(message), retry_after}});
  }

  // The mapping `e` falls under, or null.
  const ErrorMapping* find(const std::exception& e) const;
  // The error body (and Retry-After) for a mapping.
  static Response respond(const ErrorMapping& m);
  // 500 internal_error.
  static Response internal_error();

 private:
  template <class E>
  static bool is_a(const std::exception& e) {
    return dynamic_cast<const E*>(&e) != nullptr;
  }
  struct Entry {
    bool (*matches)(const std::exception&);
    ErrorMapping mapping;
  };
  std::vector<Entry> entries_;
};

}  // namespace cinestream::http
