#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace taskstream::http {

namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_reason(const boost::system::error_code& ec) {
    if (const unsigned long e = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(e, text, sizeof text);
        ERR_clear_error();
        return text;
    }
    return ec.message();
}

} // namespace

std::shared_ptr<ssl::context> make_server_tls(const std::string& cert_file, const std::string& key_file) {
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                         ssl::context::single_dh_use,
                     ec);
    SSL_CTX* native = tls->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    tls->use_certificate_chain_file(cert_file, ec);
    if (ec) throw TlsError("--tls-cert " + cert_file + ": " + openssl_reason(ec));
    tls->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) throw TlsError("--tls-key " + key_file + ": " + openssl_reason(ec));
    if (SSL_CTX_check_private_key(native) != 1)
        throw TlsError("--tls-key " + key_file + " does not match the certificate in " + cert_file);
    return tls;
}

} // namespace taskstream::http
