#include "app/server.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/signal_set.hpp>

#include "app/auth_setup.hpp"
#include "app/backend.hpp"
#include "app/frontend.hpp"
#include "app/server_metrics.hpp"
#include "http/tls_context.hpp"

namespace taskstream {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// Event streams hold a descriptor each: allow as many as the hard limit does.
/// Returns the limit in force.
std::size_t raise_fd_limit(spdlog::logger& log) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    log.debug("file descriptor limit {}", limit.rlim_cur);
    return static_cast<std::size_t>(limit.rlim_cur);
}

/// "HOST:PORT" (HOST may be [v6]) → endpoint; "localhost" means 127.0.0.1.
tcp::endpoint parse_listen(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--listen must be HOST:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "localhost") host = "127.0.0.1";
    unsigned long port = std::stoul(text.substr(colon + 1));
    if (port > 65535) throw std::invalid_argument("port out of range in --listen '" + text + "'");
    return {asio::ip::make_address(host), static_cast<unsigned short>(port)};
}

/// This server's name in the shared queue: stable across restarts by default, so a
/// restarted server takes back its own attempts at once instead of after a lease.
std::string node_name_of(const ServerOptions& options, const tcp::endpoint& endpoint) {
    if (!options.node_name.empty()) return options.node_name;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "taskstream");
    if (endpoint.port() == 0) return std::string(host) + ":pid-" + std::to_string(getpid());
    return std::string(host) + ":" + std::to_string(endpoint.port());
}

/// What the options say before anything starts: where to listen, how to
/// authenticate, TLS. A mistake is logged and ends the start (exit code 2).
struct Startup {
    tcp::endpoint endpoint;
    Frontend::Security security;
};

std::optional<Startup> check_startup(const ServerOptions& options, spdlog::logger& log) {
    Startup s;
    try {
        s.endpoint = parse_listen(options.listen);
    } catch (const std::exception& e) {
        log.critical("bad --listen: {}", e.what());
        return std::nullopt;
    }
    try {
        s.security.verifier = load_token_verifier(options);
    } catch (const KeyError& e) {
        log.critical("authentication: {}", e.what());
        return std::nullopt;
    }
    const bool redis_tls_files = !options.redis_ca_file.empty() || !options.redis_cert_file.empty() ||
                                 !options.redis_key_file.empty();
    if (redis_tls_files && !options.store.starts_with("rediss://") && !options.store.starts_with("rediss+sentinel://")) {
        log.critical("--redis-ca-file, --redis-cert-file and --redis-key-file are for a TLS store: --store rediss://… "
                     "(or rediss+sentinel://…)");
        return std::nullopt;
    }
    if ((!options.redis_sentinel_user.empty() || !options.redis_sentinel_password.empty()) &&
        options.store.find("+sentinel://") == std::string::npos) {
        log.critical("--redis-sentinel-user and --redis-sentinel-password are for a sentinel store (--store redis+sentinel://…)");
        return std::nullopt;
    }
    if (options.redis_min_replicas > 0 && options.store == "sqlite") {
        log.critical("--redis-min-replicas is for a redis store (--store redis://…)");
        return std::nullopt;
    }
    if (options.redis_cert_file.empty() != options.redis_key_file.empty()) {
        log.critical("a Redis client certificate needs both --redis-cert-file and --redis-key-file");
        return std::nullopt;
    }
    if (options.tls_cert.empty() != options.tls_key.empty()) {
        log.critical("TLS needs both --tls-cert and --tls-key");
        return std::nullopt;
    }
    try {
        if (!options.tls_cert.empty()) s.security.tls = http::make_server_tls(options.tls_cert, options.tls_key);
    } catch (const http::TlsError& e) {
        log.critical("TLS: {}", e.what());
        return std::nullopt;
    }
    if (!s.endpoint.address().is_loopback() && !s.security.verifier && !options.insecure) {
        log.critical("refusing to serve {} without authentication; configure a JWT key (--jwt-secret-file, "
                     "--jwt-public-key-file, --jwks-file), use a loopback address, or --insecure",
                     options.listen);
        return std::nullopt;
    }
    if (options.role != "all" && options.store == "sqlite") {
        log.critical("--role {} needs a store that servers share (--store redis://…): on sqlite this server is "
                     "the only one, and must both take and run tasks",
                     options.role);
        return std::nullopt;
    }
    return s;
}

/// SIGINT, SIGTERM, SIGQUIT and SIGHUP, from start to exit: the first starts the
/// shutdown, a second (during it) exits at once.
class ShutdownSignals {
public:
    ShutdownSignals(Frontend& front, spdlog::logger& log)
        : front_(front), log_(log), signals_(front.first_context(), SIGINT, SIGTERM, SIGQUIT) {
        signals_.add(SIGHUP);
        listen();
    }
    /// Blocks until the first signal; returns the exit code.
    int wait() { return stop_requested_.get_future().get(); }

private:
    void listen() {
        signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
            if (ec) return;
            if (!front_.set_unready()) {
                log_.warn("second signal: exiting at once");
                std::_Exit(128 + signo);
            }
            log_.info("signal {}: shutting down", signo);
            stop_requested_.set_value(0);
            listen();
        });
    }

    Frontend& front_;
    spdlog::logger& log_;
    asio::signal_set signals_;
    std::promise<int> stop_requested_;
};

/// In order: readiness failed at the signal, and everything serves on for the delay
/// (a load balancer takes the node out first); then no new connections, every stream
/// ends with `event: shutdown`, running attempts drain, the last events commit.
void shut_down(const ServerOptions& options, Frontend& front, Backend& back, spdlog::logger& log) {
    if (options.shutdown_delay > std::chrono::milliseconds(0)) {
        log.info("shutdown: /readyz answers 503; serving on for {} ms", options.shutdown_delay.count());
        std::this_thread::sleep_for(options.shutdown_delay);
    }
    front.stop_accepting();
    log.info("shutdown: stopped accepting; {} connections open", front.listener().open_connections());
    back.stop_schedules();
    const std::size_t open_streams = back.hub.subscriber_count();
    back.hub.shutdown();  // every stream: event: shutdown, then a clean end
    if (back.hub.wait_until_no_subscribers(std::chrono::seconds(5)))
        log.info("shutdown: {} event streams sent shutdown and ended", open_streams);
    else
        log.warn("shutdown: of {} event streams, {} did not end in time", open_streams, back.hub.subscriber_count());
    back.stop();
    front.stop();
    log.info("stopped");
}

} // namespace

int run_server(const ServerOptions& options, const KindRegistry& kinds, const StructuredConfig& config,
               std::shared_ptr<spdlog::logger> log) {
    const std::size_t fd_limit = raise_fd_limit(*log);
    auto startup = check_startup(options, *log);
    if (!startup) return 2;
    try {
        Backend back(options, kinds, config, node_name_of(options, startup->endpoint), log);
        Frontend front(options, startup->endpoint, back, startup->security, fd_limit, log);
        const auto gauges = register_server_gauges(front.listener(), back.hub, back.engine);
        ShutdownSignals signals(front, *log);  // alive until the process ends: a second signal exits
        front.start();
        const int code = signals.wait();
        shut_down(options, front, back, *log);
        return code;
    } catch (const StartFailed& failed) {
        return failed.code;
    }
}

} // namespace taskstream
