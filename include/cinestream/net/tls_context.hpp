#pragma once
// The TLS client context shared by every connection of an HttpClient.
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace cinestream::net {

// TLS 1.2 or later, peer verification on, trusting `ca_file` (PEM) or, when empty, the system
// store. Throws HttpError(tls) when the CA file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file);
// The same, loaded once per process and CA file and then shared (loading reads files: done when
// clients are made at start-up, never per request on an event loop). Failures are not kept.
std::shared_ptr<boost::asio::ssl::context> shared_client_tls_context(const std::string& ca_file);

}  // namespace cinestream::net
