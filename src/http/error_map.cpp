#include "cinestream/http/error_map.hpp"

#include <boost/beast/http/field.hpp>

namespace cinestream::http {

const ErrorMapping* ErrorMap::find(const std::exception& e) const {
  for (const auto& entry : entries_) {
    if (entry.matches(e)) return &entry.mapping;
  }
  return nullptr;
}

Response ErrorMap::respond(const ErrorMapping& m) {
  auto res = error_response(m.status, m.code, m.message);
  if (m.retry_after.count() > 0) {
    res.set(boost::beast::http::field::retry_after, std::to_string(m.retry_after.count()));
  }
  return res;
}

Response ErrorMap::internal_error() {
  return error_response(Status::internal_server_error, "internal_error",
                        "the server could not complete the request");
}

}  // namespace cinestream::http
