#include "app/options.hpp"

#include <sched.h>

#include <cctype>

#include <CLI/CLI.hpp>

#include "core/clock.hpp"
#include "http/client_address.hpp"
#include "store/redis/redis_url.hpp"

namespace taskstream {

std::optional<std::chrono::milliseconds> parse_setting_duration(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        if (text.size() > 12) return std::nullopt;
        return std::chrono::seconds(std::stoll(text));
    }
    return parse_duration(text);
}

std::string format_setting_duration(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms == 0) return "0s";
    for (auto [unit, size] : {std::pair{"d", 86400000LL}, {"h", 3600000LL}, {"m", 60000LL}, {"s", 1000LL}})
        if (ms % size == 0) return std::to_string(ms / size) + unit;
    return std::to_string(ms) + "ms";
}

unsigned default_io_threads() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return 2;
    return CPU_COUNT(&cpus) <= 1 ? 1 : 2;
}

namespace {

std::string env(const char* name) { return std::string("TASKSTREAM_") + name; }

/// A duration option: takes units, checks the range, shows its default in units.
CLI::Option* add_duration(CLI::App& app, const std::string& name, std::chrono::milliseconds& target,
                          const std::string& help, std::chrono::milliseconds min, std::chrono::milliseconds max,
                          const char* env_name) {
    auto* option = app.add_option_function<std::string>(
        name,
        [&target, name, min, max](const std::string& text) {
            auto d = parse_setting_duration(text);
            if (!d)
                throw CLI::ValidationError(name, "'" + text + "' is not a duration like 500ms, 30s, 5m, 2h or 7d");
            if (*d < min || *d > max)
                throw CLI::ValidationError(name, "'" + text + "' is outside " + format_setting_duration(min) +
                                                     " to " + format_setting_duration(max));
            target = *d;
        },
        help);
    return option->type_name("DURATION")->default_str(format_setting_duration(target))->envname(env(env_name));
}

} // namespace

void add_server_options(CLI::App& app, ServerOptions& o) {
    app.add_option("--config", o.config,
                   "TOML file with any of these options (the flag names without dashes as keys) and the "
                   "[[command]], [[schedule]] and [webhooks] sections; flags > environment > file")
        ->envname(env("CONFIG"))->check(CLI::ExistingFile);
    app.add_option("--listen", o.listen, "HOST:PORT to serve on; port 0 picks a free port")
        ->envname(env("LISTEN"))->capture_default_str();
    app.add_option("--data-dir", o.data_dir, "directory of the sqlite store")
        ->envname(env("DATA_DIR"))->capture_default_str();
    app.add_option("--store", o.store,
                   "sqlite (a file under --data-dir), redis://[user:password@]host:port/db — rediss:// for TLS — or "
                   "redis+sentinel://[user:password@]host:port[,host:port…]/PRIMARY/db (rediss+sentinel:// with TLS) "
                   "(the password is never logged; prefer TASKSTREAM_STORE to keep it out of the process list)")
        ->envname(env("STORE"))->capture_default_str()
        ->check([](const std::string& v) -> std::string {
            if (v == "sqlite") return {};
            auto ep = parse_redis_url(v);
            return ep.ok() ? std::string{} : ep.error().detail;
        });
    app.add_option("--redis-prefix", o.redis_prefix, "the prefix of every Redis key this server uses")
        ->envname(env("REDIS_PREFIX"))->capture_default_str()
        ->check([](const std::string& v) -> std::string {
            if (v.empty() || v.size() > 64) return "1 to 64 characters";
            for (char c : v)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
                    return "letters, digits, '_', '-' and '.' only";
            return {};
        });
    app.add_option("--redis-ca-file", o.redis_ca_file,
                   "rediss:// store: a PEM file of CAs the Redis server's certificate may chain to, beside the system's")
        ->envname(env("REDIS_CA_FILE"))->check(CLI::ExistingFile);
    app.add_option("--redis-cert-file", o.redis_cert_file,
                   "rediss:// store: a PEM client certificate, for a Redis server that asks for one; needs --redis-key-file")
        ->envname(env("REDIS_CERT_FILE"))->check(CLI::ExistingFile);
    app.add_option("--redis-key-file", o.redis_key_file, "rediss:// store: the PEM private key of --redis-cert-file")
        ->envname(env("REDIS_KEY_FILE"))->check(CLI::ExistingFile);
    app.add_option("--redis-sentinel-user", o.redis_sentinel_user,
                   "redis+sentinel:// store: the user the sentinels know (the URL's user is the Redis servers')")
        ->envname(env("REDIS_SENTINEL_USER"));
    app.add_option("--redis-sentinel-password", o.redis_sentinel_password,
                   "redis+sentinel:// store: the sentinels' password (prefer TASKSTREAM_REDIS_SENTINEL_PASSWORD)")
        ->envname(env("REDIS_SENTINEL_PASSWORD"));
    app.add_option("--redis-min-replicas", o.redis_min_replicas,
                   "redis store: answer a commit a client hears of (a 202, a state change, ack=committed) only once "
                   "this many replicas have it (WAIT); past the write's window the answer is 503")
        ->envname(env("REDIS_MIN_REPLICAS"))->capture_default_str()->check(CLI::Range(0u, 10u));
    app.add_option("--role", o.role,
                   "with a redis store: api (accepts tasks and serves streams, runs none), worker (runs tasks; "
                   "serves only /healthz, /readyz and /metrics) or all")
        ->envname(env("ROLE"))->capture_default_str()->check(CLI::IsMember({"api", "worker", "all"}));
    app.add_option("--node-name", o.node_name,
                   "this server's name in the shared queue (redis store): keep it across restarts so that the "
                   "restarted server takes back its attempts at once; default <hostname>:<listen port>")
        ->envname(env("NODE_NAME"));
    add_duration(app, "--lease", o.lease,
                 "redis store: a server renews the leases of the attempts it runs; one left unrenewed this long "
                 "(the server died) is run again by another server", 1s, 1h, "LEASE");
    app.add_option("--io-threads", o.io_threads, "network threads")
        ->envname(env("IO_THREADS"))->capture_default_str()->check(CLI::Range(1u, 64u));
    app.add_option("--workers", o.workers, "task worker threads")
        ->envname(env("WORKERS"))->capture_default_str()->check(CLI::Range(1u, 1024u));
    app.add_flag("--demo", o.demo, "register the demo.* task kinds")->envname(env("DEMO"));
    app.add_flag("--insecure", o.insecure, "allow a non-loopback address without authentication")
        ->envname(env("INSECURE"));
    app.add_option("--log-format", o.log_format, "text or json (one object per line)")
        ->envname(env("LOG_FORMAT"))->capture_default_str()->check(CLI::IsMember({"text", "json"}));
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error, critical or off")
        ->envname(env("LOG_LEVEL"))->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    app.add_flag("--access-log", o.access_log,
                 "a log line per request (address, method, route, status, duration, bytes), whatever the log level")
        ->envname(env("ACCESS_LOG"));
    add_duration(app, "--shutdown-delay", o.shutdown_delay,
                 "on a signal, /readyz answers 503 this long while all else still serves (a load balancer's poll "
                 "interval), then listening stops", 0ms, 1h, "SHUTDOWN_DELAY");
    add_duration(app, "--drain-timeout", o.drain_timeout,
                 "on shutdown, running tasks get this long to finish; then they are interrupted and queued again",
                 0ms, 24h, "DRAIN_TIMEOUT");
    app.add_option("--max-redeliveries", o.max_redeliveries,
                   "a task whose attempts the server's own death cut short this many times in a row fails with "
                   "worker_lost; fewer are run again without using up a retry")
        ->envname(env("MAX_REDELIVERIES"))->capture_default_str()->check(CLI::Range(0u, 1000u));
    add_duration(app, "--aging", o.aging, "a queued task gains one priority point per this much time waited", 1ms,
                 1h, "AGING");
    add_duration(app, "--heartbeat", o.heartbeat, "idle event streams get a comment this often", 100ms, 10min,
                 "HEARTBEAT");
    app.add_option("--max-body", o.max_body_bytes, "largest request body in bytes (→ 413)")
        ->envname(env("MAX_BODY"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    app.add_option("--max-header", o.max_header_bytes, "largest request head in bytes (→ 431)")
        ->envname(env("MAX_HEADER"))->capture_default_str()->check(CLI::Range(std::size_t{256}, std::size_t{1} << 20));
    add_duration(app, "--header-timeout", o.header_timeout, "time to receive a request head (→ 408)", 10ms, 10min,
                 "HEADER_TIMEOUT");
    add_duration(app, "--body-timeout", o.body_timeout, "time to receive a request body once its head is in (→ 408)",
                 10ms, 10min, "BODY_TIMEOUT");
    add_duration(app, "--idle-timeout", o.idle_timeout, "keep-alive connections idle this long are closed", 10ms,
                 1h, "IDLE_TIMEOUT");
    add_duration(app, "--write-timeout", o.write_timeout,
                 "a write that makes no progress this long closes the connection", 10ms, 10min, "WRITE_TIMEOUT");
    add_duration(app, "--retention", o.retention, "how long a finished task and its events are kept", 0ms,
                 std::chrono::days(36500), "RETENTION");
    app.add_option("--retain-tasks", o.retain_tasks, "most finished tasks kept (oldest pruned first)")
        ->envname(env("RETAIN_TASKS"))->capture_default_str();
    app.add_option("--max-task-events", o.max_task_events, "most events kept per task (oldest pruned first)")
        ->envname(env("MAX_TASK_EVENTS"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
    add_duration(app, "--prune-interval", o.prune_interval, "how often retention is applied", 10ms,
                 std::chrono::days(1), "PRUNE_INTERVAL");
    add_duration(app, "--idempotency-ttl", o.idempotency_ttl, "how long an Idempotency-Key is remembered", 1s,
                 std::chrono::days(36500), "IDEMPOTENCY_TTL");
    add_duration(app, "--stats-retention", o.stats_retention,
                 "how long the task history (GET /v1/stats: counts and times per kind and minute) is kept",
                 std::chrono::minutes(1), std::chrono::days(3650), "STATS_RETENTION");
    app.add_option("--max-streams-per-ip", o.max_streams_per_ip, "open event streams per client address (→ 429)")
        ->envname(env("MAX_STREAMS_PER_IP"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    app.add_option("--trusted-proxies", o.trusted_proxies,
                   "CIDRs (127.0.0.1/32, 10.0.0.0/8, ::1/128) of proxies whose Forwarded or X-Forwarded-For "
                   "header names the client; from other peers those headers are ignored")
        ->envname(env("TRUSTED_PROXIES"))->delimiter(',')
        ->check(CLI::Validator(
            [](std::string& text) {
                return http::Cidr::parse(text) ? std::string() : "'" + text + "' is not an address/prefix";
            },
            "CIDR"));
    app.add_option("--stream-queue-events", o.stream_queue_events,
                   "events queued for a slow stream reader before it is cut off (after merging progress)")
        ->envname(env("STREAM_QUEUE_EVENTS"))->capture_default_str()->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    app.add_option("--stream-queue-bytes", o.stream_queue_bytes,
                   "bytes queued for a slow stream reader before it is cut off (after merging progress)")
        ->envname(env("STREAM_QUEUE_BYTES"))->capture_default_str()->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 40));
    app.add_option("--stream-send-buffer", o.stream_send_buffer,
                   "kernel send buffer of a stream's socket in bytes (0: the kernel's default), so that the "
                   "stream queue's bound decides when a slow reader is cut off")
        ->envname(env("STREAM_SEND_BUFFER"))->capture_default_str()->check(CLI::Range(std::size_t{0}, std::size_t{1} << 30));
    app.add_option("--max-connections", o.max_connections,
                   "connections served at once; more get 503 or a clean stream end (0: the fd limit less 64)")
        ->envname(env("MAX_CONNECTIONS"))->capture_default_str();
    app.add_option("--jwt-secret-file", o.jwt_secret_file,
                   "file holding the HS256 secret (32+ bytes) tokens are signed with; turns authentication on "
                   "(TASKSTREAM_JWT_SECRET may hold the secret itself)")
        ->envname(env("JWT_SECRET_FILE"))->check(CLI::ExistingFile);
    app.add_option("--jwt-public-key-file", o.jwt_public_key_file,
                   "PEM public key tokens are verified with: RS256 (RSA) or ES256 (P-256); turns authentication on")
        ->envname(env("JWT_PUBLIC_KEY_FILE"))->check(CLI::ExistingFile);
    app.add_option("--jwks-file", o.jwks_file, "JWKS file of RS256/ES256 keys, chosen by the token's kid; turns authentication on")
        ->envname(env("JWKS_FILE"))->check(CLI::ExistingFile);
    app.add_option("--jwt-issuer", o.jwt_issuer, "when set, a token's iss must equal it")->envname(env("JWT_ISSUER"));
    app.add_option("--jwt-audience", o.jwt_audience, "when set, a token's aud must hold it")->envname(env("JWT_AUDIENCE"));
    add_duration(app, "--jwt-leeway", o.jwt_leeway, "clock skew allowed on a token's exp and nbf", 0ms, 5min, "JWT_LEEWAY");
    app.add_option("--auth-cookie", o.auth_cookie,
                   "name of a cookie that may carry the token (for pages on this origin); state changes from other "
                   "origins with it are refused")
        ->envname(env("AUTH_COOKIE"));
    app.add_option("--cors-origin", o.cors_origins,
                   "origins (https://app.example.com) whose pages may call the API with credentials")
        ->envname(env("CORS_ORIGIN"))->delimiter(',');
    app.add_option("--tls-cert", o.tls_cert, "PEM certificate chain (leaf first): serve HTTPS, TLS 1.2 and later; needs --tls-key")
        ->envname(env("TLS_CERT"))->check(CLI::ExistingFile);
    app.add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert")->envname(env("TLS_KEY"))->check(CLI::ExistingFile);
    app.add_option("--publish-rate", o.publish_rate,
                   "publish requests per second per token subject (or client address), bursts as many; past it 429 (0: no limit)")
        ->envname(env("PUBLISH_RATE"))->capture_default_str()->check(CLI::Range(0.0, 1e9));
}

} // namespace taskstream
