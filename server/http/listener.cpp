#include "http/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/tls_relay.hpp"

namespace taskstream::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(std::vector<IoThread>& threads, const tcp::endpoint& endpoint, const Router& router,
                   const SessionOptions& options, std::shared_ptr<spdlog::logger> log, std::shared_ptr<asio::ssl::context> tls)
    : threads_(threads), acceptor_(threads.front().context), router_(router), options_(options), log_(std::move(log)),
      tls_(std::move(tls)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), [log = log_](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log->critical("accept loop failed: {}", ex.what());
        }
    });
}

void Listener::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    });
}

asio::awaitable<void> Listener::accept_loop() {
    asio::steady_timer backoff(acceptor_.get_executor());
    while (acceptor_.is_open()) {
        boost::system::error_code ec;
        IoThread& thread = threads_[next_thread_++ % threads_.size()];
        tcp::socket socket = co_await acceptor_.async_accept(thread.context, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
        if (ec) {
            // Out of descriptors and the like: pause instead of spinning.
            log_->warn("accept failed: {}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        const bool overloaded = open_connections_->fetch_add(1) >= options_.max_connections;
        // Released when the connection ends, which for a stream is after its session.
        std::shared_ptr<void> counted(nullptr, [open = open_connections_](void*) { --*open; });
        const auto peer = socket.remote_endpoint(ec);
        if (ec) continue;  // gone already
        if (!tls_) {
            serve(std::move(socket), peer, thread, std::move(counted), overloaded);
            continue;
        }
        const TlsRelayLimits limits{.handshake_timeout = options_.header_timeout, .write_timeout = options_.write_timeout};
        auto executor = socket.get_executor();
        asio::co_spawn(executor,
                       relay_tls(std::move(socket), *tls_, limits,
                                 [this, peer, &thread, counted, overloaded](tcp::socket plain) {
                                     serve(std::move(plain), peer, thread, counted, overloaded);
                                 },
                                 log_),
                       asio::detached);
    }
}

void Listener::serve(tcp::socket socket, tcp::endpoint peer, IoThread& thread, std::shared_ptr<void> counted,
                     bool overloaded) {
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   run_http_session(std::move(socket), peer, thread, std::move(counted), router_, options_, log_, overloaded),
                   [log = log_](std::exception_ptr e) {
                       if (!e) return;
                       try {
                           std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                           log->error("session ended by an exception: {}", ex.what());
                       }
                   });
}

} // namespace taskstream::http
