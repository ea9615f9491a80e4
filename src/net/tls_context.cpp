// Separate compilation of asio::ssl: this is the only translation unit that compiles it.
#include <boost/asio/ssl/impl/src.hpp>

#include "cinestream/net/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <map>
#include <mutex>

#include "cinestream/net/dns_resolver.hpp"

namespace cinestream::net {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    throw HttpError(HttpErrorKind::tls, "cannot require TLS 1.2");
  }
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    throw HttpError(HttpErrorKind::tls,
                    ca_file.empty()
                        ? fmt::format("cannot load the system CA store: {}", ec.message())
                        : fmt::format("cannot load CA file {}: {}", ca_file, ec.message()));
  }
  return ctx;
}

std::shared_ptr<ssl::context> shared_client_tls_context(const std::string& ca_file) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<ssl::context>> loaded;
  std::lock_guard lock(mutex);
  auto& ctx = loaded[ca_file];
  if (!ctx) ctx = make_client_tls_context(ca_file);
  return ctx;
}

}  // namespace cinestream::net
