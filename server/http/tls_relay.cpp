#include "http/tls_relay.hpp"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/watchdog.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using local_socket = asio::local::stream_protocol::socket;

namespace {

constexpr std::size_t kChunk = 16 * 1024;  // one TLS record's worth
constexpr std::chrono::seconds kCloseNotifyTime{1};

/// What both directions share; the inbound pump holds it until it ends.
struct Relay {
    Relay(tcp::socket socket, ssl::context& context)
        : tls(std::move(socket), context), ours(tls.get_executor()), inbound_done(tls.get_executor()) {}
    ssl::stream<tcp::socket> tls;
    local_socket ours;              // the relay's end of the pair
    asio::steady_timer inbound_done;  // cancelled when the inbound pump ends
    bool inbound_running = false;
    std::array<char, kChunk> inbound_buffer;
    std::array<char, kChunk> outbound_buffer;
};

/// Client → session. Its end (client gone or done) reaches the session as end of stream.
asio::awaitable<void> pump_inbound(std::shared_ptr<Relay> relay) {
    auto& buffer = relay->inbound_buffer;
    boost::system::error_code ec;
    for (;;) {
        const std::size_t n = co_await relay->tls.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        co_await asio::async_write(relay->ours, asio::buffer(buffer.data(), n), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
    }
    relay->ours.shutdown(local_socket::shutdown_send, ec);
    relay->inbound_running = false;
    relay->inbound_done.cancel();
}

} // namespace

asio::awaitable<void> relay_tls(tcp::socket socket, ssl::context& tls, TlsRelayLimits limits,
                                std::function<void(tcp::socket)> serve, std::shared_ptr<spdlog::logger> log) {
    const auto executor = socket.get_executor();
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) co_return;
    auto relay = std::make_shared<Relay>(std::move(socket), tls);
    Watchdog watchdog(relay->tls.next_layer());

    watchdog.arm(limits.handshake_timeout);
    co_await relay->tls.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    watchdog.disarm();
    if (ec) {
        log->debug("tls: handshake with {} failed: {}", peer.address().to_string(), ec.message());
        relay->tls.next_layer().close(ec);
        co_return;
    }

    local_socket theirs(executor);
    asio::local::connect_pair(relay->ours, theirs, ec);
    if (ec) {
        log->warn("tls: no socket pair for a connection: {}", ec.message());
        relay->tls.next_layer().close(ec);
        co_return;
    }
    tcp::socket plain(executor);
    plain.assign(peer.protocol(), theirs.release(), ec);
    if (ec) co_return;
    serve(std::move(plain));

    relay->inbound_running = true;
    relay->inbound_done.expires_at(asio::steady_timer::time_point::max());
    asio::co_spawn(executor, pump_inbound(relay), asio::detached);

    // Session → client, until the session closes its end or the client stops reading.
    auto& buffer = relay->outbound_buffer;
    for (;;) {
        const std::size_t n = co_await relay->ours.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        watchdog.arm(limits.write_timeout);
        co_await asio::async_write(relay->tls, asio::buffer(buffer.data(), n), asio::redirect_error(asio::use_awaitable, ec));
        watchdog.disarm();
        if (ec || watchdog.expired()) break;
    }

    // The inbound pump ends first (one reader of the TLS stream at a time), then close_notify.
    relay->ours.close(ec);
    relay->tls.next_layer().cancel(ec);
    if (relay->inbound_running)
        co_await relay->inbound_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (relay->tls.next_layer().is_open()) {
        watchdog.arm(kCloseNotifyTime);
        co_await relay->tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
        watchdog.disarm();
    }
    relay->tls.next_layer().close(ec);
}

} // namespace taskstream::http
