#pragma once
// A throwaway certificate authority for TLS tests, made with the OpenSSL 3 C API (EC P-256).
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace cinestream::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

class TestCa {
 public:
  TestCa() : key_(new_key()), cert_(X509_new(), &X509_free) {
    build(cert_.get(), key_.get(), "CineStream Test CA", nullptr, nullptr, true, "", 1);
  }

  std::string cert_pem() const { return to_pem(cert_.get()); }

  // A server certificate signed by this CA; `san` like "DNS:localhost,IP:127.0.0.1".
  TestCertificate issue(const std::string& common_name, const std::string& san) {
    Key key = new_key();
    Cert cert(X509_new(), &X509_free);
    build(cert.get(), key.get(), common_name, cert_.get(), key_.get(), false, san, ++serial_);
    return {to_pem(cert.get()), to_pem(key.get())};
  }

 private:
  using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

  static void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
  }

  static Key new_key() {
    Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
    check(key != nullptr, "EC key generation");
    return key;
  }

  static void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
    check(ext != nullptr, "extension");
    check(X509_add_ext(cert, ext, -1) == 1, "add extension");
    X509_EXTENSION_free(ext);
  }

  static void build(X509* cert, EVP_PKEY* key, const std::string& cn, X509* issuer,
                    EVP_PKEY* issuer_key, bool ca, const std::string& san, long serial) {
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert, 2) == 1, "version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) == 1, "serial");
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    check(X509_set_pubkey(cert, key) == 1, "public key");
    X509_NAME* name = X509_get_subject_name(cert);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                     0) == 1,
          "subject");
    check(X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer");
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    add_ext(cert, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(cert, &ctx, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    if (!ca) {
      add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
      add_ext(cert, &ctx, NID_ext_key_usage, "serverAuth");
      add_ext(cert, &ctx, NID_subject_alt_name, san.c_str());
    }
    check(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "sign");
  }

  template <class T, class Write>
  static std::string pem(T* obj, Write write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    check(bio && write(bio.get(), obj) == 1, "PEM");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
  }
  static std::string to_pem(X509* cert) {
    return pem(cert, [](BIO* b, X509* c) { return PEM_write_bio_X509(b, c); });
  }
  static std::string to_pem(EVP_PKEY* key) {
    return pem(key, [](BIO* b, EVP_PKEY* k) {
      return PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
    });
  }

  Key key_;
  Cert cert_;
  long serial_ = 1;
};

}  // namespace cinestream::testing
