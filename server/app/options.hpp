// ServerOptions: every setting of `taskstream serve`, and the CLI11 declarations
// that fill them from flags and TASKSTREAM_* environment variables (the config
// file is read by app/config_file, under the same names).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace taskstream {

using namespace std::chrono_literals;

/// Two network threads, or one when the process may run on one CPU only (a
/// cpuset, taskset): a second would only add thread switches there.
unsigned default_io_threads();

struct ServerOptions {
    std::string config;  // --config / TASKSTREAM_CONFIG: the TOML file read after the flags
    std::string listen = "127.0.0.1:8080";
    std::string data_dir = "./data";
    std::string store = "sqlite";         // or redis://…
    std::string redis_prefix = "taskstream";
    std::string redis_ca_file;    // rediss://: a CA beside the system's
    std::string redis_cert_file;  // rediss://: a client certificate (with redis_key_file)
    std::string redis_key_file;
    std::string redis_sentinel_user;      // redis+sentinel://: the sentinels' own credentials
    std::string redis_sentinel_password;  // (the URL's are the data servers')
    unsigned redis_min_replicas = 0;  // acknowledged commits wait for this many Redis replicas (WAIT)
    std::string role = "all";        // api (takes and streams, runs nothing), worker (runs), all
    std::string node_name;           // in the shared queue; empty: <hostname>:<listen port>
    std::chrono::milliseconds lease = 10s;  // shared queue: an attempt unrenewed this long is reclaimed
    unsigned io_threads = default_io_threads();
    unsigned workers = 4;
    bool demo = false;
    bool insecure = false;
    std::string log_format = "text";
    std::string log_level = "info";
    bool access_log = false;
    std::chrono::milliseconds shutdown_delay = 0ms;  // /readyz says 503 this long before listening stops
    std::chrono::milliseconds drain_timeout = 30s;
    unsigned max_redeliveries = 3;  // attempts cut short by the server's own death, in a row
    std::chrono::milliseconds aging = 1s;
    std::chrono::milliseconds heartbeat = 15s;
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 8 * 1024;
    std::chrono::milliseconds header_timeout = 10s;
    std::chrono::milliseconds body_timeout = 30s;
    std::chrono::milliseconds idle_timeout = 30s;
    std::chrono::milliseconds write_timeout = 10s;
    std::chrono::milliseconds retention = std::chrono::days(7);
    std::size_t retain_tasks = 100000;
    std::size_t max_task_events = 10000;
    std::chrono::milliseconds prune_interval = 60s;
    std::chrono::milliseconds idempotency_ttl = 24h;
    std::chrono::milliseconds stats_retention = std::chrono::days(7);
    std::size_t max_streams_per_ip = 100;
    std::vector<std::string> trusted_proxies;   // CIDRs whose Forwarded / X-Forwarded-For is believed
    std::size_t stream_queue_events = 1000;     // a slow reader's queue, in events …
    std::size_t stream_queue_bytes = 1 << 20;   // … and in bytes: past either it is cut off
    std::size_t stream_send_buffer = 128 * 1024;  // SO_SNDBUF of a stream's socket (0: the kernel's)
    std::size_t max_connections = 0;  // 0: the descriptor limit less a reserve
    // Authentication (any one key source turns it on) and the browser's side of it.
    std::string jwt_secret_file;      // HS256 (or the TASKSTREAM_JWT_SECRET variable itself)
    std::string jwt_public_key_file;  // PEM: RS256 or ES256 by the key's type
    std::string jwks_file;            // a JWKS document: keys by kid
    std::string jwt_issuer;
    std::string jwt_audience;
    std::chrono::milliseconds jwt_leeway = 30s;
    std::string auth_cookie;          // the cookie that may carry the token (browsers)
    std::vector<std::string> cors_origins;
    std::string tls_cert;             // PEM chain, leaf first: serve HTTPS (with tls_key)
    std::string tls_key;
    double publish_rate = 0;          // publish requests per second per caller; 0: no limit
};

/// Declares the options on `app` (the `serve` subcommand, and `config check`).
void add_server_options(CLI::App& app, ServerOptions& options);

/// A setting's duration: "500ms", "30s", "5m", "2h", "7d", or a bare number of
/// seconds ("0" included). nullopt when it is none of these.
std::optional<std::chrono::milliseconds> parse_setting_duration(const std::string& text);

/// The shortest exact spelling of `d` in those units ("90s", "7d", "0s").
std::string format_setting_duration(std::chrono::milliseconds d);

} // namespace taskstream
