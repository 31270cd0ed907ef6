// Where the Redis store is: `redis://[user:password@]host:port/db`, `rediss://` for TLS, or
// `redis+sentinel://[user:password@]host:port[,host:port…]/PRIMARY[/db]` (`rediss+sentinel://`
// with TLS): the sentinels that know which server is the primary named PRIMARY.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.hpp"

namespace taskstream {

/// rediss://: files beside the system's CAs, and a client certificate for servers that ask for one.
struct RedisTlsFiles {
    std::string ca_file;    // --redis-ca-file
    std::string cert_file;  // --redis-cert-file (with key_file)
    std::string key_file;   // --redis-key-file
};

struct RedisHost {
    std::string host;
    std::uint16_t port = 0;
};

/// The sentinels' own credentials (--redis-sentinel-user, --redis-sentinel-password): the URL's
/// are the data servers'.
struct RedisSentinelAuth {
    std::string user;
    std::string password;  // a secret
};

struct RedisEndpoint {
    std::string host = "127.0.0.1";  // with sentinels: the primary they named last (connect_once)
    std::uint16_t port = 6379;
    int db = 0;
    std::string user;      // empty: AUTH with the password alone (or none)
    std::string password;  // a secret: never logged (see redacted())
    bool tls = false;      // rediss://
    RedisTlsFiles tls_files;
    std::vector<RedisHost> sentinels;  // redis+sentinel://: asked for the primary before each connection
    std::string primary_name;          // the name the sentinels monitor it by
    RedisSentinelAuth sentinel_auth;

    /// The URL with the password replaced by `***`, for logs and config dumps.
    std::string redacted() const;
};

/// Parses a `redis://` or `rediss://` URL: the scheme is required, the port defaults to 6379
/// and the database to 0; user and password are percent-decoded. Anything else
/// (a query, a fragment, a path that is not a database number) is refused. A sentinel URL
/// lists one or more sentinels (port 26379 by default) and the primary's name.
Outcome<RedisEndpoint> parse_redis_url(std::string_view url);

} // namespace taskstream
