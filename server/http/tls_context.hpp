// TlsContext: the server's TLS settings — its certificate chain and key from
// PEM files, TLS 1.2 and later only, no renegotiation or compression.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace taskstream::http {

/// A certificate or key that cannot be used (unreadable, not PEM, not a pair).
class TlsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Loads `cert_file` (the chain, leaf first) and `key_file`; throws TlsError
/// naming the file and OpenSSL's reason.
std::shared_ptr<boost::asio::ssl::context> make_server_tls(const std::string& cert_file, const std::string& key_file);

} // namespace taskstream::http
