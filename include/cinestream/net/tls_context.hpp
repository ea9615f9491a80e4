#pragma once
// The TLS client context shared by every connection of an HttpClient.
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace cinestream::net {

// TLS 1.2 or later, peer verification on, trusting `ca_file` (PEM) or, when empty, the system
// store. Throws HttpError(tls) when the CA file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file);

}  // namespace cinestream::net
