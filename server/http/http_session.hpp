// HttpSession: one client connection — reads requests under limits and
// timeouts, routes them, writes responses (keep-alive), or hands the
// connection over to an event stream.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include "http/client_address.hpp"
#include "http/cors_policy.hpp"
#include "http/router.hpp"
#include "http/io_thread.hpp"
#include "http/stream_sweeper.hpp"
#include "http/watchdog.hpp"

namespace taskstream::http {

struct SessionOptions {
    std::size_t body_limit = 1 << 20;          // → 413
    std::size_t header_limit = 8 * 1024;       // → 431
    std::chrono::milliseconds header_timeout{10000};  // → 408
    std::chrono::milliseconds body_timeout{30000};    // → 408
    std::chrono::milliseconds idle_timeout{30000};    // keep-alive: closed quietly
    std::chrono::milliseconds write_timeout{10000};   // stalled client: closed
    SseOptions sse;
    /// Connections served at once; past it a new connection gets 503 (a stream:
    /// a clean end with a retry), so that descriptors never run out.
    std::size_t max_connections = 10000;
    TrustedProxies trusted_proxies;   // peers whose Forwarded / X-Forwarded-For names the client
    /// A line per request, when set: the client, method, route template, status, duration, bytes.
    std::shared_ptr<spdlog::logger> access_log;
    bool access_log_json = false;
    /// Set on shutdown: each connection closes after the answer it is writing.
    const std::atomic<bool>* stopping = nullptr;
    /// Other origins whose pages may call the API (preflights answered, answers marked); null: none.
    const CorsPolicy* cors = nullptr;
};

/// Serves one connection until it closes or becomes an event stream. Runs on
/// `thread`. `peer`: the client's TCP end (the socket may be a TLS relay's pair). `counted` is released when the connection ends (it counts open
/// connections); `overloaded`: the server is at max_connections; answer and close.
boost::asio::awaitable<void> run_http_session(boost::asio::ip::tcp::socket socket, boost::asio::ip::tcp::endpoint peer,
                                              IoThread& thread, std::shared_ptr<void> counted, const Router& router,
                                              const SessionOptions& options, std::shared_ptr<spdlog::logger> log,
                                              bool overloaded = false);

} // namespace taskstream::http
