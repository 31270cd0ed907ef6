// TlsRelay: TLS for a connection without a second HTTP stack. After the
// handshake, the decrypted bytes are relayed through a local socket pair
// whose other end, a plain stream socket, is served like any connection
// (the HTTP session, then maybe an event stream with its non-blocking
// writev). One 16 KiB buffer each way, so a reader that does not read
// fills the pair and the stream's own bounds decide, as over plain TCP.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/logger.h>

namespace taskstream::http {

struct TlsRelayLimits {
    std::chrono::milliseconds handshake_timeout{10000};  // a client that never finishes the handshake: closed
    std::chrono::milliseconds write_timeout{10000};      // a client that stops reading: closed
};

/// Serves one accepted connection over TLS: handshake, then `serve(plain)` with
/// the pair's plain end, then relays until either side closes (ending with a
/// close_notify). Runs on the socket's executor.
boost::asio::awaitable<void> relay_tls(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                                       TlsRelayLimits limits, std::function<void(boost::asio::ip::tcp::socket)> serve,
                                       std::shared_ptr<spdlog::logger> log);

} // namespace taskstream::http
