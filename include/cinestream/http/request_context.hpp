#pragma once
// What a handler gets: the request, its decoded target, its id and where it came from.
#include <boost/asio/ip/address.hpp>

#include <string>

#include "cinestream/http/event_stream.hpp"
#include "cinestream/http/prebuilt.hpp"
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
  // Set by a handler that answers with ready bytes (a cached page): the server writes them as
  // they are, adding only the per-request fields, and the returned Response then only gives the
  // status for the metrics and the log.
  std::shared_ptr<const PrebuiltResponse> prebuilt;
};

}  // namespace cinestream::http
