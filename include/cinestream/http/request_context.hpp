#pragma once
// What a handler gets: the request, its decoded target, its id and where it came from.
#include <boost/asio/ip/address.hpp>

#include <string>

#include "cinestream/http/event_stream.hpp"
#include "cinestream/http/query.hpp"
#include "cinestream/http/response.hpp"

namespace cinestream::http {

struct RequestContext {
  const Request& request;
  const Target& target;
  std::string request_id;
  boost::asio::ip::address remote;
  std::string route_param;  // the tail matched by a prefix route, e.g. the city of /status/{city}
  // Set by a handler whose response streams (SSE): the response head is written, then this runs.
  StreamProducer stream;
};

}  // namespace cinestream::http
