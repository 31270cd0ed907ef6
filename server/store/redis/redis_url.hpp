// Where the Redis store is: `redis://[user:password@]host:port/db`, or `rediss://` for TLS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/outcome.hpp"

namespace taskstream {

/// rediss://: files beside the system's CAs, and a client certificate for servers that ask for one.
struct RedisTlsFiles {
    std::string ca_file;    // --redis-ca-file
    std::string cert_file;  // --redis-cert-file (with key_file)
    std::string key_file;   // --redis-key-file
};

struct RedisEndpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    int db = 0;
    std::string user;      // empty: AUTH with the password alone (or none)
    std::string password;  // a secret: never logged (see redacted())
    bool tls = false;      // rediss://
    RedisTlsFiles tls_files;

    /// The URL with the password replaced by `***`, for logs and config dumps.
    std::string redacted() const;
};

/// Parses a `redis://` or `rediss://` URL: the scheme is required, the port defaults to 6379
/// and the database to 0; user and password are percent-decoded. Anything else
/// (a query, a fragment, a path that is not a database number) is refused.
Outcome<RedisEndpoint> parse_redis_url(std::string_view url);

} // namespace taskstream
